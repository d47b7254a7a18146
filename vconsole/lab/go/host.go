package main

// Per-host shaping after the inventory exists: switch membership, connection state.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func (l *Lab) shapeHost(ctx context.Context, dc Datacenter, spec HostSpec, switches map[string]*switchInfo,
	ports *portAllocator, lagPorts map[string][]string) error {
	if err := l.joinSwitches(ctx, dc, spec); err != nil {
		return err
	}
	host := simulator.Map.Get(l.hosts[spec.Name].Reference()).(*simulator.HostSystem)
	shapeNetwork(host, spec, switches, ports, lagPorts)
	shapeStorage(host, spec)
	if spec.Version != "" {
		about := host.Config.Product
		about.Version = spec.Version
		about.Build = spec.Build
		about.FullName = "VMware ESXi " + spec.Version + " build-" + spec.Build
		host.Config.Product = about
		host.Summary.Config.Product = &about
	}
	setAdvanced(host, spec.Advanced)
	setLockdown(host, spec.Lockdown)
	if spec.Down {
		markDown(host)
	}
	return nil
}

// setAdvanced adds the scenario's advanced settings ("/Misc/X" as the API key "Misc.X") to the
// host's own option manager, on a copy of the shared template list.
func setAdvanced(host *simulator.HostSystem, advanced map[string]int64) {
	if len(advanced) == 0 {
		return
	}
	om, ok := simulator.Map.Get(*host.ConfigManager.AdvancedOption).(*simulator.OptionManager)
	if !ok {
		return
	}
	settings := make([]types.BaseOptionValue, 0, len(om.Setting)+len(advanced))
	for _, s := range om.Setting {
		if _, ours := advanced["/"+strings.ReplaceAll(s.GetOptionValue().Key, ".", "/")]; !ours {
			settings = append(settings, s)
		}
	}
	keys := make([]string, 0, len(advanced))
	for k := range advanced {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := strings.ReplaceAll(strings.TrimPrefix(k, "/"), "/", ".")
		settings = append(settings, &types.OptionValue{Key: key, Value: advanced[k]})
	}
	om.Setting = settings
}

// setLockdown shows the host's lockdown mode as vCenter does (config.lockdownMode, adminDisabled).
func setLockdown(host *simulator.HostSystem, mode string) {
	if host.Config == nil || mode == "" || mode == "disabled" {
		return
	}
	host.Config.LockdownMode = types.HostLockdownMode("lockdown" + strings.Title(mode))
	disabled := true
	host.Config.AdminDisabled = &disabled
}

// markDown shows the host as vCenter sees a host that stopped answering, VMs included.
func markDown(host *simulator.HostSystem) {
	host.Runtime.ConnectionState = types.HostSystemConnectionStateNotResponding
	host.Summary.OverallStatus = types.ManagedEntityStatusGray
	host.OverallStatus = types.ManagedEntityStatusGray
	for _, ref := range host.Vm {
		vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		vm.Runtime.ConnectionState = types.VirtualMachineConnectionStateDisconnected
		vm.Summary.Runtime.ConnectionState = types.VirtualMachineConnectionStateDisconnected
	}
}

// pollTasks makes finished wait the way a remote client must (benchmarks compare both).
var pollTasks bool

// finished reads the outcome of a task the in-process client started. The simulator runs tasks
// synchronously inside the call, so the result is already there; polling through a property
// collector per task is what made large inventories slow to build.
func finished(task *object.Task, err error) (types.AnyType, error) {
	if err != nil {
		return nil, err
	}
	if pollTasks {
		info, err := task.WaitForResult(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		return info.Result, nil
	}
	t, ok := simulator.Map.Get(task.Reference()).(*simulator.Task)
	if !ok {
		return nil, fmt.Errorf("task %s not found", task.Reference())
	}
	if t.Info.Error != nil {
		return nil, fmt.Errorf("%s: %s", t.Info.Name, t.Info.Error.LocalizedMessage)
	}
	if t.Info.State != types.TaskInfoStateSuccess {
		return nil, fmt.Errorf("%s ended %s", t.Info.Name, t.Info.State)
	}
	return t.Info.Result, nil
}
