package main

// Distributed switches (one per name per datacenter), their port groups and host membership.

import (
	"context"
	"fmt"
	"reflect"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func (l *Lab) buildSwitches(ctx context.Context, folders *object.DatacenterFolders, dc Datacenter) error {
	for _, sw := range dc.Switches {
		spec := types.DVSCreateSpec{ConfigSpec: &types.VMwareDVSConfigSpec{
			DVSConfigSpec: types.DVSConfigSpec{Name: sw.Name},
			MaxMtu:        sw.Mtu,
		}}
		res, err := finished(folders.NetworkFolder.CreateDVS(ctx, spec))
		if err != nil {
			return fmt.Errorf("switch %s: %w", sw.Name, err)
		}
		dvs := object.NewDistributedVirtualSwitch(l.client, res.(types.ManagedObjectReference))
		l.switches[dc.Name+"/"+sw.Name] = dvs
		for _, name := range sw.Portgroups {
			// One call per port group: several specs in one call leave duplicate network refs.
			pg := types.DVPortgroupConfigSpec{Name: name, NumPorts: 128, Type: "earlyBinding"}
			if _, err := finished(dvs.AddPortgroup(ctx, []types.DVPortgroupConfigSpec{pg})); err != nil {
				return fmt.Errorf("switch %s port group %s: %w", sw.Name, name, err)
			}
		}
	}
	return nil
}

// retypeSwitch gives the switch the managed object type vCenter uses for a VMware DVS, so
// container views for VmwareDistributedVirtualSwitch find it (the simulator files it under the
// base type). Done last: the simulator's own switch methods expect the base type.
func retypeSwitch(ref types.ManagedObjectReference) types.ManagedObjectReference {
	obj := simulator.Map.Get(ref).(*simulator.DistributedVirtualSwitch)
	simulator.Map.Remove(ref)
	obj.Self.Type = "VmwareDistributedVirtualSwitch"
	simulator.Map.Put(obj)
	if folder, ok := simulator.Map.Get(*obj.Parent).(*simulator.Folder); ok {
		for i, child := range folder.ChildEntity {
			if child == ref {
				folder.ChildEntity[i] = obj.Self
			}
		}
	}
	return obj.Self
}

// joinSwitches makes the host a member of every switch it has a LAG or a vmk on.
func (l *Lab) joinSwitches(ctx context.Context, dc Datacenter, spec HostSpec) error {
	host := l.hosts[spec.Name]
	for _, name := range hostSwitches(spec) {
		dvs, ok := l.switches[dc.Name+"/"+name]
		if !ok {
			return fmt.Errorf("switch %s is not declared in %s", name, dc.Name)
		}
		config := &types.DVSConfigSpec{Host: []types.DistributedVirtualSwitchHostMemberConfigSpec{{
			Operation: string(types.ConfigSpecOperationAdd),
			Host:      host.Reference(),
		}}}
		if _, err := finished(dvs.Reconfigure(ctx, config)); err != nil {
			return fmt.Errorf("joining %s: %w", name, err)
		}
	}
	return nil
}

func hostSwitches(spec HostSpec) []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, lag := range spec.Lags {
		add(lag.Switch)
	}
	for _, vmk := range spec.Vmks {
		add(vmk.Switch)
	}
	return out
}

// VMwareDvsLacpGroupConfig adds timeoutMode (vSphere API 7.0.2) to the type this govmomi
// release knows; the XML type name stays the vSphere one.
type VMwareDvsLacpGroupConfig struct {
	types.VMwareDvsLacpGroupConfig
	TimeoutMode string `xml:"timeoutMode,omitempty"`
}

// ArrayOfVMwareDvsLacpGroupConfig replaces the stock wrapper the property collector uses for a
// nested path like "config.lacpGroupConfig", so that path carries timeoutMode too.
type ArrayOfVMwareDvsLacpGroupConfig struct {
	VMwareDvsLacpGroupConfig []VMwareDvsLacpGroupConfig `xml:"VMwareDvsLacpGroupConfig,omitempty"`
}

func init() {
	types.Add("ArrayOfVMwareDvsLacpGroupConfig", reflect.TypeOf((*ArrayOfVMwareDvsLacpGroupConfig)(nil)).Elem())
}

// VMwareDVSConfigInfo is the switch config with the LAG list above; it shadows the stock field.
type VMwareDVSConfigInfo struct {
	types.VMwareDVSConfigInfo
	LacpGroupConfig []VMwareDvsLacpGroupConfig `xml:"lacpGroupConfig,omitempty"`
}

// switchInfos indexes the datacenter's switches (created by buildSwitches) by name.
func (l *Lab) switchInfos(dc Datacenter) map[string]*switchInfo {
	out := map[string]*switchInfo{}
	for _, sw := range dc.Switches {
		obj, ok := l.switches[dc.Name+"/"+sw.Name]
		if !ok {
			continue
		}
		dvs := simulator.Map.Get(obj.Reference()).(*simulator.DistributedVirtualSwitch)
		info := &switchInfo{uuid: dvs.Uuid, name: sw.Name, mtu: sw.Mtu, portgroups: map[string]string{}}
		for _, ref := range dvs.Portgroup {
			if pg, ok := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup); ok {
				info.portgroups[pg.Name] = pg.Key
			}
		}
		out[sw.Name] = info
	}
	return out
}

// shapeSwitches gives each switch the enhanced-LACP config with the scenario's LAGs and the
// member hosts with their pnic backing, once every host has its proxy switch.
func (l *Lab) shapeSwitches(dc Datacenter, lagPorts map[string][]string) {
	for _, sw := range dc.Switches {
		obj, ok := l.switches[dc.Name+"/"+sw.Name]
		if !ok {
			continue
		}
		dvs := simulator.Map.Get(obj.Reference()).(*simulator.DistributedVirtualSwitch)
		stock, _ := dvs.Config.(*types.VMwareDVSConfigInfo)
		if stock == nil {
			stock = &types.VMwareDVSConfigInfo{DVSConfigInfo: *dvs.Config.GetDVSConfigInfo()}
		}
		cfg := &VMwareDVSConfigInfo{VMwareDVSConfigInfo: *stock}
		cfg.LacpApiVersion = string(types.VMwareDvsLacpApiVersionMultipleLag)
		cfg.MaxMtu = sw.Mtu
		uplinks := []string{"uplink1", "uplink2", "uplink3", "uplink4"}
		cfg.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: uplinks}
		for _, lag := range sw.Lags {
			g := VMwareDvsLacpGroupConfig{TimeoutMode: lag.Timeout}
			g.Key, g.Name, g.Mode = lag.Key, lag.Name, lag.Mode
			g.UplinkNum = lag.UplinkNum
			g.LoadbalanceAlgorithm = lag.LoadBalancing
			g.Vlan = &types.VMwareDvsLagVlanConfig{VlanId: []types.NumericRange{{Start: 0, End: 4094}}}
			g.Ipfix = &types.VMwareDvsLagIpfixConfig{IpfixEnabled: types.NewBool(false)}
			for i := int32(0); i < lag.UplinkNum; i++ {
				g.UplinkName = append(g.UplinkName, fmt.Sprintf("%s-%d", lag.Name, i))
			}
			g.UplinkPortKey = lagPorts[sw.Name+"/"+lag.Name]
			cfg.LacpGroupConfig = append(cfg.LacpGroupConfig, g)
		}
		cfg.Host = nil
		for _, member := range dvs.Summary.HostMember {
			ref := member
			host := simulator.Map.Get(ref).(*simulator.HostSystem)
			hm := types.DistributedVirtualSwitchHostMember{
				Config: types.DistributedVirtualSwitchHostMemberConfigInfo{
					Host:                &ref,
					MaxProxySwitchPorts: 512,
				},
				ProductInfo: dvs.Summary.ProductInfo,
				Status:      "up",
			}
			for _, ps := range host.Config.Network.ProxySwitch {
				if ps.DvsUuid == dvs.Uuid {
					hm.Config.Backing = ps.Spec.Backing
				}
			}
			if host.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
				hm.Status = "down"
			}
			cfg.Host = append(cfg.Host, hm)
		}
		dvs.Config = cfg
		retypeSwitch(dvs.Self)
	}
}

// dedupeNetworks drops repeated network refs the simulator's slice sharing leaves on
// datacenters, clusters and hosts when port groups and members are added in turn.
func dedupeNetworks() {
	uniq := func(refs []types.ManagedObjectReference) []types.ManagedObjectReference {
		seen := map[types.ManagedObjectReference]bool{}
		out := make([]types.ManagedObjectReference, 0, len(refs))
		for _, r := range refs {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
		return out
	}
	for _, obj := range simulator.Map.All("Datacenter") {
		dc := obj.(*simulator.Datacenter)
		dc.Network = uniq(dc.Network)
	}
	for _, obj := range simulator.Map.All("ClusterComputeResource") {
		cl := obj.(*simulator.ClusterComputeResource)
		cl.Network = uniq(cl.Network)
	}
	for _, obj := range simulator.Map.All("HostSystem") {
		h := obj.(*simulator.HostSystem)
		h.Network = uniq(h.Network)
	}
}
