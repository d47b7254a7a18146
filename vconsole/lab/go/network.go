package main

// Distributed switches (one per name per datacenter), their port groups and host membership.

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

func (l *Lab) buildSwitches(ctx context.Context, folders *object.DatacenterFolders, dc Datacenter) error {
	for _, sw := range dc.Switches {
		spec := types.DVSCreateSpec{ConfigSpec: &types.VMwareDVSConfigSpec{
			DVSConfigSpec: types.DVSConfigSpec{Name: sw.Name},
			MaxMtu:        sw.Mtu,
		}}
		task, err := folders.NetworkFolder.CreateDVS(ctx, spec)
		if err != nil {
			return fmt.Errorf("switch %s: %w", sw.Name, err)
		}
		info, err := task.WaitForResult(ctx, nil)
		if err != nil {
			return fmt.Errorf("switch %s: %w", sw.Name, err)
		}
		dvs := object.NewDistributedVirtualSwitch(l.client, info.Result.(types.ManagedObjectReference))
		l.switches[dc.Name+"/"+sw.Name] = dvs
		var pgs []types.DVPortgroupConfigSpec
		for _, name := range sw.Portgroups {
			pgs = append(pgs, types.DVPortgroupConfigSpec{Name: name, NumPorts: 128, Type: "earlyBinding"})
		}
		if len(pgs) > 0 {
			task, err := dvs.AddPortgroup(ctx, pgs)
			if err != nil {
				return err
			}
			if err := task.Wait(ctx); err != nil {
				return fmt.Errorf("switch %s port groups: %w", sw.Name, err)
			}
		}
	}
	return nil
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
		task, err := dvs.Reconfigure(ctx, config)
		if err != nil {
			return err
		}
		if err := task.Wait(ctx); err != nil {
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
