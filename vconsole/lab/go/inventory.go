package main

// Datacenters, clusters, hosts, datastores and VMs, created through the simulator's own API so
// its bookkeeping (parents, resource pools, summaries) stays consistent.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

type Lab struct {
	client   *vim25.Client
	stateDir string
	hosts    map[string]*object.HostSystem
	switches map[string]*object.DistributedVirtualSwitch
}

func newLab(client *vim25.Client, stateDir string) *Lab {
	return &Lab{
		client:   client,
		stateDir: stateDir,
		hosts:    map[string]*object.HostSystem{},
		switches: map[string]*object.DistributedVirtualSwitch{},
	}
}

func (l *Lab) build(ctx context.Context, topo *Topology) error {
	root := object.NewRootFolder(l.client)
	for _, dcSpec := range topo.Datacenters {
		dc, err := root.CreateDatacenter(ctx, dcSpec.Name)
		if err != nil {
			return fmt.Errorf("datacenter %s: %w", dcSpec.Name, err)
		}
		folders, err := dc.Folders(ctx)
		if err != nil {
			return err
		}
		if err := l.buildSwitches(ctx, folders, dcSpec); err != nil {
			return err
		}
		dsDirs, err := l.datastoreDirs(dcSpec)
		if err != nil {
			return err
		}
		for _, clSpec := range dcSpec.Clusters {
			cluster, err := folders.HostFolder.CreateCluster(ctx, clSpec.Name, types.ClusterConfigSpecEx{})
			if err != nil {
				return fmt.Errorf("cluster %s: %w", clSpec.Name, err)
			}
			pool, err := cluster.ResourcePool(ctx)
			if err != nil {
				return err
			}
			for _, hSpec := range clSpec.Hosts {
				host, err := l.addHost(ctx, cluster, hSpec)
				if err != nil {
					return fmt.Errorf("host %s: %w", hSpec.Name, err)
				}
				ds, err := l.mountDatastores(ctx, host, hSpec, dsDirs)
				if err != nil {
					return fmt.Errorf("host %s datastores: %w", hSpec.Name, err)
				}
				if err := l.addVms(ctx, folders, pool, host, ds, hSpec.Vms); err != nil {
					return fmt.Errorf("host %s VMs: %w", hSpec.Name, err)
				}
			}
		}
	}
	sizeDatastores(topo)
	for _, dcSpec := range topo.Datacenters {
		switches := l.switchInfos(dcSpec)
		ports := &portAllocator{}
		lagPorts := map[string][]string{}
		for _, clSpec := range dcSpec.Clusters {
			for _, hSpec := range clSpec.Hosts {
				if err := l.shapeHost(ctx, dcSpec, hSpec, switches, ports, lagPorts); err != nil {
					return fmt.Errorf("host %s: %w", hSpec.Name, err)
				}
			}
		}
		l.shapeSwitches(dcSpec, lagPorts)
	}
	dedupeNetworks()
	if err := l.applyChecks(ctx, topo.Checks); err != nil {
		return err
	}
	perf := map[types.ManagedObjectReference]*hostPerf{}
	for _, dcSpec := range topo.Datacenters {
		for _, clSpec := range dcSpec.Clusters {
			for _, hSpec := range clSpec.Hosts {
				perf[l.hosts[hSpec.Name].Reference()] = hostPerfOf(hSpec)
			}
		}
	}
	installPerformanceManager(*l.client.ServiceContent.PerfManager, perf)
	l.shapeLoad(topo)
	l.spreadHistory()
	return nil
}

func (l *Lab) addHost(ctx context.Context, cluster *object.ClusterComputeResource, spec HostSpec) (*object.HostSystem, error) {
	res, err := finished(cluster.AddHost(ctx, types.HostConnectSpec{HostName: spec.Name}, true, nil, nil))
	if err != nil {
		return nil, err
	}
	host := object.NewHostSystem(l.client, res.(types.ManagedObjectReference))
	l.hosts[spec.Name] = host
	return host, nil
}

// datastoreDirs makes one backing directory per datastore of a datacenter.
func (l *Lab) datastoreDirs(dc Datacenter) (map[string]string, error) {
	dirs := map[string]string{}
	for _, ds := range dc.Datastores {
		dir := filepath.Join(l.stateDir, "datastores", dc.Name, ds.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		dirs[ds.Name] = dir
	}
	return dirs, nil
}

// mountDatastores mounts the host's datastores and returns the one its VMs live on.
func (l *Lab) mountDatastores(ctx context.Context, host *object.HostSystem, spec HostSpec, dirs map[string]string) (string, error) {
	dss, err := host.ConfigManager().DatastoreSystem(ctx)
	if err != nil {
		return "", err
	}
	names := hostDatastores(spec)
	for _, name := range names {
		dir, ok := dirs[name]
		if !ok {
			return "", fmt.Errorf("datastore %s is not declared in its datacenter", name)
		}
		if _, err := dss.CreateLocalDatastore(ctx, name, dir); err != nil {
			return "", err
		}
	}
	return names[0], nil
}

// hostDatastores lists a host's datastores: "datastores" in the JSON, else the LUNs'.
func hostDatastores(spec HostSpec) []string {
	if len(spec.Datastores) > 0 {
		return spec.Datastores
	}
	seen := map[string]bool{}
	var out []string
	for _, lun := range spec.Luns {
		if lun.Datastore != "" && !seen[lun.Datastore] {
			seen[lun.Datastore] = true
			out = append(out, lun.Datastore)
		}
	}
	if len(out) == 0 {
		out = append(out, "datastore1 ("+spec.Name+")")
	}
	return out
}

func (l *Lab) addVms(ctx context.Context, folders *object.DatacenterFolders, pool *object.ResourcePool,
	host *object.HostSystem, datastore string, vms []VmSpec) error {
	for _, vm := range vms {
		config := types.VirtualMachineConfigSpec{
			Name:     vm.Name,
			GuestId:  vm.GuestId,
			NumCPUs:  vm.Cpu,
			MemoryMB: int64(vm.MemoryMb),
			Files:    &types.VirtualMachineFileInfo{VmPathName: "[" + datastore + "]"},
		}
		res, err := finished(folders.VmFolder.CreateVM(ctx, config, pool, host))
		if err != nil {
			return fmt.Errorf("%s: %w", vm.Name, err)
		}
		ref := res.(types.ManagedObjectReference)
		if vm.PoweredOn {
			if _, err := finished(object.NewVirtualMachine(l.client, ref).PowerOn(ctx)); err != nil {
				return fmt.Errorf("%s: %w", vm.Name, err)
			}
		}
		shapeVm(ref, vm)
	}
	return nil
}

// shapeVm sets what a running guest reports (tools, IP, OS name) on the simulator's object.
func shapeVm(ref types.ManagedObjectReference, spec VmSpec) {
	vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if vm.Guest == nil {
		vm.Guest = &types.GuestInfo{}
	}
	vm.Guest.GuestId = spec.GuestId
	vm.Guest.GuestFullName = spec.GuestName
	vm.Summary.Config.GuestFullName = spec.GuestName
	vm.Summary.Config.GuestId = spec.GuestId
	if vm.Config != nil {
		vm.Config.GuestFullName = spec.GuestName
	}
	if spec.PoweredOn {
		vm.Guest.IpAddress = spec.Ip
		vm.Guest.HostName = spec.Name
		vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
		vm.Guest.GuestState = "running"
		vm.Summary.Guest = &types.VirtualMachineGuestSummary{
			GuestId:            spec.GuestId,
			GuestFullName:      spec.GuestName,
			IpAddress:          spec.Ip,
			HostName:           spec.Name,
			ToolsRunningStatus: vm.Guest.ToolsRunningStatus,
		}
	} else {
		vm.Guest.IpAddress = ""
		vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
		vm.Guest.GuestState = "notRunning"
	}
}

const gib = int64(1) << 30

// sizeDatastores gives each datastore its scenario capacity and the host list of every mount.
func sizeDatastores(topo *Topology) {
	capacity := map[string]int64{}
	device := map[string]string{}
	for _, dc := range topo.Datacenters {
		for _, ds := range dc.Datastores {
			capacity[ds.Name] = ds.CapacityGb * gib
		}
		for _, cl := range dc.Clusters {
			for _, h := range cl.Hosts {
				for _, lun := range h.Luns {
					if lun.Datastore != "" {
						device[lun.Datastore] = lun.Id
					}
				}
			}
		}
	}
	for _, obj := range simulator.Map.All("Datastore") {
		ds := obj.(*simulator.Datastore)
		c, ok := capacity[ds.Name]
		if !ok {
			continue
		}
		var mounts []types.DatastoreHostMount
		for _, hObj := range simulator.Map.All("HostSystem") {
			h := hObj.(*simulator.HostSystem)
			if simulator.FindReference(h.Datastore, ds.Self) != nil {
				mounts = append(mounts, types.DatastoreHostMount{
					Key: h.Self,
					MountInfo: types.HostMountInfo{
						AccessMode: string(types.HostMountModeReadWrite),
						Mounted:    types.NewBool(true),
						Accessible: types.NewBool(true),
					},
				})
			}
		}
		ds.Host = mounts
		ds.Summary.Type = "VMFS"
		if strings.HasPrefix(ds.Name, "vsanDatastore") {
			ds.Summary.Type = "vsan"
		}
		ds.Summary.Capacity = c
		ds.Summary.FreeSpace = c * 3 / 5
		base := *ds.Info.GetDatastoreInfo()
		base.FreeSpace = ds.Summary.FreeSpace
		base.MaxFileSize = 62 * 1 << 40
		if naa, ok := device[ds.Name]; ok {
			ds.Info = &types.VmfsDatastoreInfo{
				DatastoreInfo:          base,
				MaxPhysicalRDMFileSize: 62 * 1 << 40,
				MaxVirtualRDMFileSize:  62 * 1 << 40,
				Vmfs: &types.HostVmfsVolume{
					HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: ds.Name, Capacity: c},
					BlockSizeMb:          1, MaxBlocks: 63963136, MajorVersion: 6, Version: "6.82",
					Uuid:   newDatastoreUuid(ds.Name),
					Extent: []types.HostScsiDiskPartition{{DiskName: naa, Partition: 1}},
					Local:  types.NewBool(false),
				},
			}
		} else {
			ds.Info = &types.LocalDatastoreInfo{DatastoreInfo: base, Path: base.Url}
		}
	}
}

// newDatastoreUuid is a stable VMFS-style uuid (8-8-4-12 hex) for a datastore name.
func newDatastoreUuid(name string) string {
	h := sha1.Sum([]byte(name))
	x := hex.EncodeToString(h[:])
	return x[0:8] + "-" + x[8:16] + "-" + x[16:20] + "-" + x[20:32]
}
