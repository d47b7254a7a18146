package main

// Host storage as vCenter reports it: iSCSI adapters, SCSI disks for the scenario LUNs, and
// multipath info with each path's state, working-path flag and the LUN's PSP/SATP.

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// lunUuid is the vml-style id vSphere uses as LogicalUnit.id and ScsiLun.uuid [reconstructed].
func lunUuid(index int, canonical string) string {
	naa := strings.TrimPrefix(strings.TrimPrefix(canonical, "naa."), "eui.")
	return fmt.Sprintf("0200%02x0000%s%s", index, naa, hex.EncodeToString([]byte("LUN C-")))
}

func vendorOf(lun LunSpec) string {
	if f := strings.Fields(lun.DisplayName); len(f) > 0 && !strings.HasPrefix(f[0], "(") {
		return f[0]
	}
	return "VMware"
}

// initiatorOf is the adapter's iSCSI name: the path UID up to the ISID.
func initiatorOf(uid string) string {
	first := strings.SplitN(uid, ",", 2)[0]
	if i := strings.LastIndex(first, "-"); i > 0 && strings.HasPrefix(first, "iqn.") {
		return first[:i]
	}
	return first
}

func adapters(spec HostSpec) ([]types.BaseHostHostBusAdapter, map[string]string) {
	keys := map[string]string{}
	var out []types.BaseHostHostBusAdapter
	for _, lun := range spec.Luns {
		for _, p := range lun.Paths {
			if p.Adapter == "" || keys[p.Adapter] != "" {
				continue
			}
			key := "key-vim.host.InternetScsiHba-" + p.Adapter
			keys[p.Adapter] = key
			out = append(out, &types.HostInternetScsiHba{
				HostHostBusAdapter: types.HostHostBusAdapter{
					Key: key, Device: p.Adapter, Bus: 0, Status: "online",
					Model: "iSCSI Software Adapter", Driver: "iscsi_vmk", StorageProtocol: "scsi",
				},
				IsSoftwareBased: true,
				IScsiName:       initiatorOf(p.Uid),
				CurrentSpeedMb:  25000,
			})
		}
	}
	return out, keys
}

func shapeStorage(host *simulator.HostSystem, spec HostSpec) {
	hbas, hbaKeys := adapters(spec)
	info := &types.HostStorageDeviceInfo{SoftwareInternetScsiEnabled: len(hbas) > 0}
	for _, hba := range host.Config.StorageDevice.HostBusAdapter {
		if hbaKeys[hba.GetHostHostBusAdapter().Device] == "" {
			info.HostBusAdapter = append(info.HostBusAdapter, hba)
		}
	}
	info.HostBusAdapter = append(info.HostBusAdapter, hbas...)
	multipath := &types.HostMultipathInfo{}
	state := &types.HostMultipathStateInfo{}
	for i, lun := range spec.Luns {
		uuid := lunUuid(i, lun.Id)
		diskKey := "key-vim.host.ScsiDisk-" + uuid
		block := lun.CapacityGb * gib / 512
		info.ScsiLun = append(info.ScsiLun, &types.HostScsiDisk{
			ScsiLun: types.ScsiLun{
				HostDevice:       types.HostDevice{DeviceName: "/vmfs/devices/disks/" + lun.Id, DeviceType: "disk"},
				Key:              diskKey,
				Uuid:             uuid,
				CanonicalName:    lun.Id,
				DisplayName:      lun.DisplayName,
				LunType:          "disk",
				Vendor:           vendorOf(lun),
				Model:            "LUN C-Mode",
				Revision:         "9800",
				ScsiLevel:        6,
				OperationalState: []string{"ok"},
			},
			Capacity:   types.HostDiskDimensionsLba{BlockSize: 512, Block: block},
			DevicePath: "/vmfs/devices/disks/" + lun.Id,
			Ssd:        types.NewBool(true),
			LocalDisk:  types.NewBool(false),
		})
		unit := types.HostMultipathInfoLogicalUnit{
			Key:                    "key-vim.host.MultipathInfo.LogicalUnit-" + uuid,
			Id:                     uuid,
			Lun:                    diskKey,
			StorageArrayTypePolicy: &types.HostMultipathInfoLogicalUnitStorageArrayTypePolicy{Policy: lun.Satp},
		}
		working := ""
		flags := workingPaths(lun)
		for i, p := range lun.Paths {
			isWorking := flags[i]
			if isWorking && working == "" {
				working = p.Uid
			}
			unit.Path = append(unit.Path, types.HostMultipathInfoPath{
				Key:           "key-vim.host.MultipathInfo.Path-" + p.Name,
				Name:          p.Uid,
				PathState:     p.State,
				State:         p.State,
				IsWorkingPath: types.NewBool(isWorking),
				Adapter:       hbaKeys[p.Adapter],
				Lun:           unit.Key,
				Transport:     &types.HostInternetScsiTargetTransport{IScsiName: p.Target},
			})
			state.Path = append(state.Path, types.HostMultipathStateInfoPath{Name: p.Uid, PathState: p.State})
		}
		if lun.Psp == "VMW_PSP_FIXED" {
			unit.Policy = &types.HostMultipathInfoFixedLogicalUnitPolicy{
				HostMultipathInfoLogicalUnitPolicy: types.HostMultipathInfoLogicalUnitPolicy{Policy: lun.Psp},
				Prefer:                             working,
			}
		} else {
			unit.Policy = &types.HostMultipathInfoLogicalUnitPolicy{Policy: lun.Psp}
		}
		multipath.Lun = append(multipath.Lun, unit)
	}
	info.MultipathInfo = multipath
	host.Config.StorageDevice = info
	if ss, ok := simulator.Map.Get(*host.ConfigManager.StorageSystem).(*simulator.HostStorageSystem); ok {
		ss.StorageDeviceInfo = info
		ss.MultipathStateInfo = state
	}
}

// workingPaths marks the paths the PSP sends I/O down: every active path under round robin,
// the first active one under MRU and FIXED.
func workingPaths(lun LunSpec) []bool {
	out := make([]bool, len(lun.Paths))
	found := false
	for i, p := range lun.Paths {
		if p.State == "active" && (lun.Psp == "VMW_PSP_RR" || !found) {
			out[i] = true
			found = true
		}
	}
	return out
}
