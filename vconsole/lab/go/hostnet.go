package main

// Host networking as vCenter reports it: physical NICs with link speed, vmk interfaces with
// MTU/IP/netstack, the proxy switch of each distributed switch with LAG ports, and the
// VirtualNicManager service tags.

import (
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func pnicKey(name string) string { return "key-vim.host.PhysicalNic-" + name }
func vnicKey(name string) string { return "key-vim.host.VirtualNic-" + name }

// mac derives a stable address from a seed, in VMware's OUI for host adapters.
func mac(seed string) string {
	h := sha1.Sum([]byte(seed))
	return fmt.Sprintf("00:50:56:%02x:%02x:%02x", h[0]&0x3f, h[1], h[2])
}

// pnicMac is a physical NIC's address: a NIC vendor's OUI with the host adapter's tail, as
// the ESXi hosts' esxcli prints it.
func pnicMac(host, nic string) string { return "b4:96:91" + mac(host + "/" + nic)[8:] }

func physicalNics(host string, nics []NicSpec) []types.PhysicalNic {
	out := make([]types.PhysicalNic, 0, len(nics))
	for i, n := range nics {
		driver := "ixgben"
		if n.SpeedMb >= 25000 {
			driver = "nmlx5_core"
		}
		valid := types.PhysicalNicLinkInfo{SpeedMb: n.SpeedMb, Duplex: true}
		nic := types.PhysicalNic{
			Key:                    pnicKey(n.Name),
			Device:                 n.Name,
			Pci:                    fmt.Sprintf("0000:%02x:00.%d", 0x3b+i/2, i%2),
			Driver:                 driver,
			ValidLinkSpecification: []types.PhysicalNicLinkInfo{valid},
			Spec:                   types.PhysicalNicSpec{Ip: &types.HostIpConfig{}},
			Mac:                    pnicMac(host, n.Name),
		}
		if n.LinkUp {
			link := valid
			nic.LinkSpeed = &link
			nic.Spec.LinkSpeed = &valid
		}
		out = append(out, nic)
	}
	return out
}

type switchInfo struct {
	uuid       string
	name       string
	mtu        int32
	portgroups map[string]string // name -> key
}

func virtualNics(host string, vmks []VmkSpec, switches map[string]*switchInfo, ports *portAllocator) []types.HostVirtualNic {
	out := make([]types.HostVirtualNic, 0, len(vmks))
	for _, v := range vmks {
		nic := types.HostVirtualNic{
			Device: v.Name,
			Key:    vnicKey(v.Name),
			Spec: types.HostVirtualNicSpec{
				Ip:                  &types.HostIpConfig{IpAddress: v.Ip, SubnetMask: v.Netmask},
				Mac:                 mac(host + "/" + v.Name),
				Mtu:                 v.Mtu,
				TsoEnabled:          types.NewBool(true),
				NetStackInstanceKey: v.Netstack,
			},
		}
		if sw, ok := switches[v.Switch]; ok && v.Switch != "" {
			port := ports.next(sw.uuid)
			nic.Spec.DistributedVirtualPort = &types.DistributedVirtualSwitchPortConnection{
				SwitchUuid:   sw.uuid,
				PortgroupKey: sw.portgroups[v.Portgroup],
				PortKey:      port,
			}
		} else {
			nic.Portgroup = v.Portgroup
			nic.Spec.Portgroup = v.Portgroup
		}
		out = append(out, nic)
	}
	return out
}

// serviceNicType maps scenario service names to VirtualNicManager nic types.
var serviceNicType = map[string]string{
	"management":   "management",
	"vmotion":      "vmotion",
	"vsan":         "vsan",
	"witness":      "vsanWitness",
	"provisioning": "vSphereProvisioning",
	"replication":  "vSphereReplication",
	"ft":           "faultToleranceLogging",
}

func nicManagerInfo(vmks []VmkSpec, vnics []types.HostVirtualNic) *types.HostVirtualNicManagerInfo {
	selected := map[string][]string{}
	for _, v := range vmks {
		for _, s := range v.Services {
			if t, ok := serviceNicType[s]; ok {
				selected[t] = append(selected[t], t+"."+vnicKey(v.Name))
			}
		}
	}
	info := &types.HostVirtualNicManagerInfo{}
	for _, t := range []string{"management", "vmotion", "vsan", "vsanWitness", "vSphereProvisioning", "vSphereReplication", "faultToleranceLogging"} {
		info.NetConfig = append(info.NetConfig, types.VirtualNicManagerNetConfig{
			NicType:            t,
			MultiSelectAllowed: true,
			CandidateVnic:      vnics,
			SelectedVnic:       selected[t],
		})
	}
	return info
}

func netStacks(vmks []VmkSpec) []types.HostNetStackInstance {
	seen := map[string]bool{"defaultTcpipStack": true}
	out := []types.HostNetStackInstance{{Key: "defaultTcpipStack", Name: "defaultTcpipStack", RequestedMaxNumberOfConnections: 11000, CongestionControlAlgorithm: "newreno"}}
	for _, v := range vmks {
		if v.Netstack != "" && !seen[v.Netstack] {
			seen[v.Netstack] = true
			out = append(out, types.HostNetStackInstance{Key: v.Netstack, Name: v.Netstack, RequestedMaxNumberOfConnections: 11000, CongestionControlAlgorithm: "newreno"})
		}
	}
	return out
}

// portAllocator hands out distributed port keys per switch, as vCenter numbers them.
type portAllocator struct{ next_ map[string]int }

func (p *portAllocator) next(uuid string) string {
	if p.next_ == nil {
		p.next_ = map[string]int{}
	}
	n := p.next_[uuid]
	p.next_[uuid] = n + 1
	return fmt.Sprint(n)
}

// proxySwitches builds the host's view of each distributed switch: uplink ports, LAG ports
// (`hostLag`) and which vmnic backs which port. LAG nics go to `<lag>-N` ports; other nics but
// the first (vSwitch0's) become `uplinkN`.
func proxySwitches(spec HostSpec, switches map[string]*switchInfo, ports *portAllocator, lagPorts map[string][]string) []types.HostProxySwitch {
	var out []types.HostProxySwitch
	for _, name := range hostSwitches(spec) {
		sw := switches[name]
		ps := types.HostProxySwitch{
			DvsUuid: sw.uuid, DvsName: sw.name, Key: sw.uuid, NumPorts: 512, NumPortsAvailable: 500,
			Mtu: sw.mtu,
		}
		backing := &types.DistributedVirtualSwitchHostMemberPnicBacking{}
		inLag := map[string]bool{}
		for _, lag := range spec.Lags {
			if lag.Switch != name {
				continue
			}
			hl := types.HostProxySwitchHostLagConfig{LagKey: lag.Key, LagName: lag.Name}
			for i, nic := range lag.Nics {
				inLag[nic] = true
				key := ports.next(sw.uuid)
				uplink := fmt.Sprintf("%s-%d", lag.Name, i)
				hl.UplinkPort = append(hl.UplinkPort, types.KeyValue{Key: key, Value: uplink})
				ps.UplinkPort = append(ps.UplinkPort, types.KeyValue{Key: key, Value: uplink})
				ps.Pnic = append(ps.Pnic, pnicKey(nic))
				backing.PnicSpec = append(backing.PnicSpec, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: nic, UplinkPortKey: key})
				lagPorts[name+"/"+lag.Name] = append(lagPorts[name+"/"+lag.Name], key)
			}
			ps.HostLag = append(ps.HostLag, hl)
		}
		uplinkN := 0
		for i, nic := range spec.Nics {
			if i == 0 || inLag[nic.Name] || !strings.HasPrefix(nic.Name, "vmnic") {
				continue
			}
			uplinkN++
			key := ports.next(sw.uuid)
			ps.UplinkPort = append(ps.UplinkPort, types.KeyValue{Key: key, Value: fmt.Sprintf("uplink%d", uplinkN)})
			ps.Pnic = append(ps.Pnic, pnicKey(nic.Name))
			backing.PnicSpec = append(backing.PnicSpec, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: nic.Name, UplinkPortKey: key})
		}
		ps.Spec.Backing = backing
		out = append(out, ps)
	}
	return out
}

// shapeNetwork replaces the template host networking with the scenario's.
func shapeNetwork(host *simulator.HostSystem, spec HostSpec, switches map[string]*switchInfo, ports *portAllocator, lagPorts map[string][]string) {
	net := host.Config.Network
	net.Pnic = physicalNics(spec.Name, spec.Nics)
	net.Vnic = virtualNics(spec.Name, spec.Vmks, switches, ports)
	net.NetStackInstance = netStacks(spec.Vmks)
	net.ProxySwitch = proxySwitches(spec, switches, ports, lagPorts)
	for i := range net.Vswitch {
		if net.Vswitch[i].Name == "vSwitch0" && len(spec.Nics) > 0 {
			net.Vswitch[i].Pnic = []string{pnicKey(spec.Nics[0].Name)}
		}
	}
	host.Config.VirtualNicManagerInfo = nicManagerInfo(spec.Vmks, net.Vnic)
	if ns, ok := simulator.Map.Get(*host.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem); ok {
		ns.NetworkInfo = net
	}
}
