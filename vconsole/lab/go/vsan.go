package main

// vSAN as vCenter describes it: every host that mounts a vSAN datastore has vSAN enabled in one
// cluster (a uuid per datastore) with one disk group of local devices (a cache SSD and two
// capacity disks) backing it. The datastore's own info stays a base type: pyVmomi cannot read
// VsanDatastoreInfo.

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// vsanUuid is a stable vSAN-style uuid (52xxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) for a seed.
func vsanUuid(seed string) string {
	h := sha1.Sum([]byte(seed))
	x := hex.EncodeToString(h[:])
	return "52" + x[2:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func shapeVsan() {
	for _, obj := range simulator.Map.All("Datastore") {
		ds := obj.(*simulator.Datastore)
		if ds.Summary.Type != "vsan" {
			continue
		}
		cluster := vsanUuid(ds.Self.Value + "/" + ds.Name)
		for _, mount := range ds.Host {
			h, ok := simulator.Map.Get(mount.Key).(*simulator.HostSystem)
			if !ok || h.Config == nil {
				continue
			}
			self := h.Self
			h.Config.VsanHostConfig = &types.VsanHostConfigInfo{
				Enabled:    types.NewBool(true),
				HostSystem: &self,
				ClusterInfo: &types.VsanHostConfigInfoClusterInfo{
					Uuid:     cluster,
					NodeUuid: vsanUuid(h.Name)[:8] + "-" + vsanUuid(h.Name + "/node")[9:],
				},
				StorageInfo: &types.VsanHostConfigInfoStorageInfo{
					AutoClaimStorage: types.NewBool(false),
					DiskMapping: []types.VsanHostDiskMapping{{
						Ssd:    vsanDisk(h.Name, 0, true, 800),
						NonSsd: []types.HostScsiDisk{vsanDisk(h.Name, 1, false, 3840), vsanDisk(h.Name, 2, false, 3840)},
					}},
				},
			}
		}
	}
}

// vsanDisk is one local device of a host's disk group, named as ESXi names local NVMe/SAS disks.
func vsanDisk(host string, n int, ssd bool, gb int64) types.HostScsiDisk {
	h := sha1.Sum([]byte(fmt.Sprintf("%s/vsan-disk%d", host, n)))
	name := "naa.5000c500" + hex.EncodeToString(h[:4])
	blocks := gb << 30 / 512
	vendor, model := "SEAGATE", "ST4000NM0025"
	if ssd {
		vendor, model = "ATA", "MZ7LH960HAJR"
	}
	return types.HostScsiDisk{
		ScsiLun: types.ScsiLun{
			HostDevice:    types.HostDevice{DeviceName: "/vmfs/devices/disks/" + name, DeviceType: "disk"},
			Key:           "key-vim.host.ScsiDisk-" + name,
			Uuid:          "0200000000" + hex.EncodeToString(h[:8]),
			CanonicalName: name,
			DisplayName:   fmt.Sprintf("Local %s Disk (%s)", vendor, name),
			LunType:       "disk",
			Vendor:        vendor,
			Model:         model,
		},
		Capacity:   types.HostDiskDimensionsLba{BlockSize: 512, Block: blocks},
		DevicePath: "/vmfs/devices/disks/" + name,
		Ssd:        types.NewBool(ssd),
		LocalDisk:  types.NewBool(true),
	}
}
