package main

// Load figures that add up: host hardware and usage from the topology (the Python side derives
// usage from the VMs on each host), cluster totals as sums of their hosts' cores x MHz and
// memory, datastore free space, and every network listing the hosts that reach it.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// HostLoadSpec is a host's hardware and the usage the Python side derived for it.
type HostLoadSpec struct {
	CpuCores      int32 `json:"cpu_cores"`
	CpuMhz        int32 `json:"cpu_mhz"`
	MemoryMb      int64 `json:"memory_mb"`
	CpuUsageMhz   int32 `json:"cpu_usage_mhz"`
	MemoryUsageMb int64 `json:"memory_usage_mb"`
}

func (l *Lab) shapeLoad(topo *Topology) {
	free := map[string]int64{}
	for _, dc := range topo.Datacenters {
		for _, ds := range dc.Datastores {
			free[dc.Name+"/"+ds.Name] = ds.FreeGb * gib
		}
		for _, cl := range dc.Clusters {
			for _, spec := range cl.Hosts {
				l.shapeHostLoad(spec)
			}
		}
	}
	for _, obj := range simulator.Map.All("ClusterComputeResource") {
		sumCluster(obj.(*simulator.ClusterComputeResource))
	}
	for _, obj := range simulator.Map.All("Datastore") {
		ds := obj.(*simulator.Datastore)
		dc := simulator.Map.Get(*ds.Parent)
		for dc != nil {
			if d, ok := dc.(*simulator.Datacenter); ok {
				if f, ok := free[d.Name+"/"+ds.Name]; ok && ds.Summary.Capacity > 0 {
					ds.Summary.FreeSpace = f
					ds.Info.GetDatastoreInfo().FreeSpace = f
				}
				break
			}
			parent := dc.(mo.Entity).Entity().Parent
			if parent == nil {
				break
			}
			dc = simulator.Map.Get(*parent)
		}
	}
	listNetworkHosts()
	shapeVsan()
}

func (l *Lab) shapeHostLoad(spec HostSpec) {
	ref, ok := l.hosts[spec.Name]
	if !ok || spec.CpuCores == 0 {
		return
	}
	h := simulator.Map.Get(ref.Reference()).(*simulator.HostSystem)
	hw := *h.Summary.Hardware
	hw.NumCpuCores = int16(spec.CpuCores)
	hw.NumCpuThreads = int16(spec.CpuCores * 2)
	hw.NumCpuPkgs = 2
	hw.CpuMhz = int32(spec.CpuMhz)
	hw.MemorySize = int64(spec.MemoryMb) << 20
	h.Summary.Hardware = &hw
	if h.Hardware != nil {
		h.Hardware.MemorySize = hw.MemorySize
		h.Hardware.CpuInfo.NumCpuCores = hw.NumCpuCores
		h.Hardware.CpuInfo.NumCpuThreads = hw.NumCpuThreads
		h.Hardware.CpuInfo.NumCpuPackages = hw.NumCpuPkgs
		h.Hardware.CpuInfo.Hz = int64(spec.CpuMhz) * 1000000
	}
	h.Summary.QuickStats.OverallCpuUsage = int32(spec.CpuUsageMhz)
	h.Summary.QuickStats.OverallMemoryUsage = int32(spec.MemoryUsageMb)
}

// sumCluster sets a cluster's totals as vCenter does: all cores x MHz and all memory of its
// hosts; the effective figures count only connected hosts.
func sumCluster(cl *simulator.ClusterComputeResource) {
	s, ok := cl.Summary.(*types.ClusterComputeResourceSummary)
	if !ok {
		return
	}
	s.TotalCpu, s.TotalMemory, s.NumCpuCores, s.NumCpuThreads = 0, 0, 0, 0
	s.EffectiveCpu, s.EffectiveMemory, s.NumHosts, s.NumEffectiveHosts = 0, 0, 0, 0
	for _, ref := range cl.Host {
		h, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
		if !ok {
			continue
		}
		hw := h.Summary.Hardware
		mhz := int32(hw.NumCpuCores) * hw.CpuMhz
		s.TotalCpu += mhz
		s.TotalMemory += hw.MemorySize
		s.NumCpuCores += hw.NumCpuCores
		s.NumCpuThreads += hw.NumCpuThreads
		s.NumHosts++
		if h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected {
			s.NumEffectiveHosts++
			s.EffectiveCpu += mhz - h.Summary.QuickStats.OverallCpuUsage
			s.EffectiveMemory += (hw.MemorySize >> 20) - int64(h.Summary.QuickStats.OverallMemoryUsage)
		}
	}
}

// listNetworkHosts fills each network's host list from the hosts that reference it.
func listNetworkHosts() {
	members := map[types.ManagedObjectReference][]types.ManagedObjectReference{}
	for _, obj := range simulator.Map.All("HostSystem") {
		h := obj.(*simulator.HostSystem)
		for _, n := range h.Network {
			members[n] = append(members[n], h.Self)
		}
	}
	for ref, hosts := range members {
		switch n := simulator.Map.Get(ref).(type) {
		case *mo.Network:
			n.Host = hosts
		case *simulator.DistributedVirtualPortgroup:
			if len(n.Host) == 0 {
				n.Host = hosts
			}
		}
	}
}
