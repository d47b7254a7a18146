package main

// What the design checks read from vCenter: switch multicast filtering mode, version and
// discovery protocol; port group teaming failback (the API's rollingOrder, inverted); HA
// admission control with VM reservations; RetrieveDasAdvancedRuntimeInfo, which govmomi's
// simulator does not implement (its method list only names it), answered here from the
// simulator's own hosts and VMs (checks_das.go); and NIC link-down events.

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type ChecksSpec struct {
	Members  []CheckMember  `json:"members"`
	Switches []CheckSwitch  `json:"switches"`
	Clusters []CheckCluster `json:"clusters"`
	Flaps    []CheckFlap    `json:"flaps"`
}

type CheckSwitch struct {
	Name               string           `json:"name"`
	Version            string           `json:"version"`
	MulticastFiltering string           `json:"multicast_filtering"`
	Discovery          string           `json:"discovery"`
	Portgroups         []CheckPortgroup `json:"portgroups"`
}

type CheckPortgroup struct {
	Name     string `json:"name"`
	Vlan     int32  `json:"vlan"`
	Failback bool   `json:"failback"`
}

type CheckCluster struct {
	Name              string             `json:"name"`
	Ha                bool               `json:"ha"`
	Admission         string             `json:"admission"`
	FailuresTolerated int32              `json:"failures_tolerated"`
	Reservations      []CheckReservation `json:"reservations"`
}

type CheckReservation struct {
	Vm       string `json:"vm"`
	CpuMhz   int64  `json:"cpu_mhz"`
	MemoryMb int64  `json:"memory_mb"`
}

// CheckMember is a host joining a switch the lab did not build for it (a host's `dvs` list).
type CheckMember struct {
	Host string `json:"host"`
	Dvs  string `json:"dvs"`
}

type CheckFlap struct {
	Host  string `json:"host"`
	Nic   string `json:"nic"`
	Count int    `json:"count"`
}

// applyChecks runs after the inventory and switches are shaped.
func (l *Lab) applyChecks(ctx context.Context, spec ChecksSpec) error {
	for _, m := range spec.Members {
		l.joinSwitch(m)
	}
	defaultFailback()
	for _, sw := range spec.Switches {
		if err := shapeCheckSwitch(sw); err != nil {
			return err
		}
	}
	for _, cl := range spec.Clusters {
		if err := shapeCluster(cl); err != nil {
			return err
		}
	}
	return postFlaps(ctx, l, spec.Flaps)
}

// joinSwitch makes the host a member as vCenter shows it (summary.hostMember, config.host).
// Set directly: ReconfigureDvs_Task's property update trips over the lab's own config type.
func (l *Lab) joinSwitch(m CheckMember) {
	dvs := switchNamed(m.Dvs)
	host, ok := l.hosts[m.Host]
	if dvs == nil || !ok {
		return
	}
	ref := host.Reference()
	for _, member := range dvs.Summary.HostMember {
		if member == ref {
			return
		}
	}
	dvs.Summary.HostMember = append(dvs.Summary.HostMember, ref)
	if cfg, ok := dvs.Config.(*VMwareDVSConfigInfo); ok {
		cfg.Host = append(cfg.Host, types.DistributedVirtualSwitchHostMember{
			Config: types.DistributedVirtualSwitchHostMemberConfigInfo{Host: &ref, MaxProxySwitchPorts: 512},
			Status: "up",
		})
	}
}

// teaming gives a port group's port setting the teaming policy vCenter reports; rollingOrder
// true is the vSphere Client's "Failback: No".
func teaming(pg *simulator.DistributedVirtualPortgroup, failback bool) *types.VMwareDVSPortSetting {
	setting, _ := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	if setting == nil {
		setting = &types.VMwareDVSPortSetting{}
	}
	copied := *setting
	copied.UplinkTeamingPolicy = &types.VmwareUplinkPortTeamingPolicy{
		Policy:         &types.StringPolicy{Value: "loadbalance_srcid"},
		NotifySwitches: &types.BoolPolicy{Value: types.NewBool(true)},
		RollingOrder:   &types.BoolPolicy{Value: types.NewBool(!failback)},
	}
	pg.Config.DefaultPortConfig = &copied
	return &copied
}

// defaultFailback: every port group starts with failback Yes, as vCenter creates them.
func defaultFailback() {
	for _, obj := range simulator.Map.All("DistributedVirtualPortgroup") {
		pg := obj.(*simulator.DistributedVirtualPortgroup)
		teaming(pg, true)
	}
}

// objectNamed: the first object of these kinds named name, or nil.
func objectNamed[T mo.Entity](name string, kinds ...string) T {
	var none T
	for _, kind := range kinds {
		for _, obj := range simulator.Map.All(kind) {
			if found, ok := obj.(T); ok && found.Entity().Name == name {
				return found
			}
		}
	}
	return none
}

func switchNamed(name string) *simulator.DistributedVirtualSwitch {
	return objectNamed[*simulator.DistributedVirtualSwitch](name, "VmwareDistributedVirtualSwitch", "DistributedVirtualSwitch")
}

func shapeCheckSwitch(sw CheckSwitch) error {
	dvs := switchNamed(sw.Name)
	if dvs == nil {
		return nil // a scenario derived from another may drop the switch's hosts
	}
	cfg, ok := dvs.Config.(*VMwareDVSConfigInfo)
	if !ok {
		return fmt.Errorf("checks: switch %s has no VMware switch config", sw.Name)
	}
	cfg.MulticastFilteringMode = sw.MulticastFiltering
	cfg.LinkDiscoveryProtocolConfig = &types.LinkDiscoveryProtocolConfig{Protocol: sw.Discovery, Operation: "listen"}
	if sw.Version != "" {
		cfg.ProductInfo.Version = sw.Version
		if dvs.Summary.ProductInfo != nil {
			product := *dvs.Summary.ProductInfo
			product.Version = sw.Version
			dvs.Summary.ProductInfo = &product
		}
	}
	for _, want := range sw.Portgroups {
		for _, ref := range dvs.Portgroup {
			pg, ok := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup)
			if !ok || pg.Name != want.Name {
				continue
			}
			setting := teaming(pg, want.Failback)
			if want.Vlan > 0 {
				setting.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: want.Vlan}
			}
		}
	}
	return nil
}

func clusterNamed(name string) *simulator.ClusterComputeResource {
	return objectNamed[*simulator.ClusterComputeResource](name, "ClusterComputeResource")
}

func vmNamed(name string) *simulator.VirtualMachine {
	return objectNamed[*simulator.VirtualMachine](name, "VirtualMachine")
}

func shapeCluster(spec CheckCluster) error {
	cl := clusterNamed(spec.Name)
	if cl == nil {
		return nil // as for switches: the cluster's hosts were dropped
	}
	cfg, ok := cl.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if !ok {
		return fmt.Errorf("checks: cluster %s has no configurationEx", spec.Name)
	}
	das := types.ClusterDasConfigInfo{
		Enabled:                 types.NewBool(spec.Ha),
		HostMonitoring:          "enabled",
		AdmissionControlEnabled: types.NewBool(spec.Ha && spec.Admission != "none"),
		FailoverLevel:           spec.FailuresTolerated,
	}
	switch spec.Admission {
	case "slots":
		das.AdmissionControlPolicy = &types.ClusterFailoverLevelAdmissionControlPolicy{FailoverLevel: spec.FailuresTolerated}
	case "percentage":
		pct := int32(25 * spec.FailuresTolerated)
		das.AdmissionControlPolicy = &types.ClusterFailoverResourcesAdmissionControlPolicy{
			CpuFailoverResourcesPercent: pct, MemoryFailoverResourcesPercent: pct, FailoverLevel: spec.FailuresTolerated,
		}
	}
	cfg.DasConfig = das
	for _, r := range spec.Reservations {
		vm := vmNamed(r.Vm)
		if vm == nil || vm.Config == nil {
			continue
		}
		vm.Config.CpuAllocation = &types.ResourceAllocationInfo{Reservation: types.NewInt64(r.CpuMhz)}
		vm.Config.MemoryAllocation = &types.ResourceAllocationInfo{Reservation: types.NewInt64(r.MemoryMb)}
	}
	return nil
}

// postFlaps posts one link-down event per flap, as hosts report `esx.problem.net.vmnic.linkstate.down`.
func postFlaps(ctx context.Context, l *Lab, flaps []CheckFlap) error {
	manager := simulator.Map.EventManager()
	sctx := &simulator.Context{Context: ctx, Session: &simulator.Session{UserSession: types.UserSession{UserName: "vpxd"}}}
	for _, flap := range flaps {
		host, ok := l.hosts[flap.Host]
		if !ok {
			continue
		}
		for i := 0; i < flap.Count; i++ {
			event := &types.EventEx{
				EventTypeId: "esx.problem.net.vmnic.linkstate.down",
				Severity:    string(types.EventEventSeverityWarning),
				ObjectId:    host.Reference().Value,
				ObjectType:  "HostSystem",
				Arguments:   []types.KeyAnyValue{{Key: "1", Value: flap.Nic}},
			}
			event.Host = &types.HostEventArgument{Host: host.Reference()}
			event.Host.Name = flap.Host
			event.FullFormattedMessage = fmt.Sprintf("Physical NIC %s linkstate is down", flap.Nic)
			simulator.Map.WithLock(manager, func() {
				manager.PostEvent(sctx, &types.PostEvent{EventToPost: event})
			})
		}
	}
	return nil
}
