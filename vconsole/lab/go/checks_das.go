package main

// The HA slot information vCenter computes (ClusterComputeResource.RetrieveDasAdvancedRuntimeInfo),
// which govmomi's simulator does not implement, served for the design checks.

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"sort"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// RetrieveDasAdvancedRuntimeInfo is answered at the HTTP layer (withLabMethods): the
// simulator dispatches methods to the registry's object, and a wrapper type in place of the
// cluster would break the simulator's own type switches on *ClusterComputeResource. The
// slots are computed the way vCenter does for the "host failures to tolerate" policy: the
// slot is the largest CPU reservation (at least 32 MHz) and the largest memory reservation
// plus overhead (100 MB here) of powered-on VMs; a host holds as many slots as fit its CPU
// and memory; the largest hosts' slots are kept for failover.
const (
	defaultSlotMhz = 32
	slotOverheadMb = 100
)

var dasThis = regexp.MustCompile(`<_this[^>]*type="ClusterComputeResource"[^>]*>([^<]+)</_this>`)

type dasEnvelope struct {
	XMLName xml.Name `xml:"soapenv:Envelope"`
	Enc     string   `xml:"xmlns:soapenc,attr"`
	Env     string   `xml:"xmlns:soapenv,attr"`
	XSD     string   `xml:"xmlns:xsd,attr"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	Body    dasBody  `xml:"soapenv:Body"`
}

type dasBody struct {
	Res *types.RetrieveDasAdvancedRuntimeInfoResponse `xml:"urn:vim25 RetrieveDasAdvancedRuntimeInfoResponse"`
}

// withLabMethods serves the SOAP methods the lab adds and hands everything else on.
func withLabMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		match := dasThis.FindSubmatch(body)
		if match == nil || !bytes.Contains(body, []byte("RetrieveDasAdvancedRuntimeInfo")) {
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		if _, err := r.Cookie(soap.SessionCookieName); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("not authenticated"))
			return
		}
		ref := types.ManagedObjectReference{Type: "ClusterComputeResource", Value: string(match[1])}
		cl, ok := simulator.Map.Get(ref).(*simulator.ClusterComputeResource)
		if !ok {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		res := &types.RetrieveDasAdvancedRuntimeInfoResponse{Returnval: dasRuntimeInfo(cl)}
		var out bytes.Buffer
		out.WriteString(xml.Header)
		envelope := dasEnvelope{
			Enc: "http://schemas.xmlsoap.org/soap/encoding/", Env: "http://schemas.xmlsoap.org/soap/envelope/",
			XSD: "http://www.w3.org/2001/XMLSchema", XSI: "http://www.w3.org/2001/XMLSchema-instance",
			Body: dasBody{Res: res},
		}
		if err := xml.NewEncoder(&out).Encode(&envelope); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(out.Bytes())
	})
}

func dasRuntimeInfo(c *simulator.ClusterComputeResource) types.BaseClusterDasAdvancedRuntimeInfo {
	cfg, _ := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if cfg == nil || cfg.DasConfig.Enabled == nil || !*cfg.DasConfig.Enabled {
		return nil
	}
	policy, slots := cfg.DasConfig.AdmissionControlPolicy.(*types.ClusterFailoverLevelAdmissionControlPolicy)
	if !slots {
		return &types.ClusterDasAdvancedRuntimeInfo{}
	}
	members := map[types.ManagedObjectReference]bool{}
	for _, h := range c.Host {
		members[h] = true
	}
	slot := types.ClusterDasFailoverLevelAdvancedRuntimeInfoSlotInfo{NumVcpus: 1, CpuMHz: defaultSlotMhz, MemoryMB: slotOverheadMb}
	var vms int32
	for _, obj := range simulator.Map.All("VirtualMachine") {
		vm := obj.(*simulator.VirtualMachine)
		if vm.Runtime.Host == nil || !members[*vm.Runtime.Host] || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			continue
		}
		vms++
		if vm.Config == nil {
			continue
		}
		if n := vm.Config.Hardware.NumCPU; n > slot.NumVcpus {
			slot.NumVcpus = n
		}
		if a := vm.Config.CpuAllocation; a != nil && a.Reservation != nil && int32(*a.Reservation) > slot.CpuMHz {
			slot.CpuMHz = int32(*a.Reservation)
		}
		if a := vm.Config.MemoryAllocation; a != nil && a.Reservation != nil && int32(*a.Reservation)+slotOverheadMb > slot.MemoryMB {
			slot.MemoryMB = int32(*a.Reservation) + slotOverheadMb
		}
	}
	info := &types.ClusterDasFailoverLevelAdvancedRuntimeInfo{SlotInfo: slot, TotalVms: vms, UsedSlots: vms}
	var perHost []int32
	for _, ref := range c.Host {
		host, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
		if !ok {
			continue
		}
		info.TotalHosts++
		if host.Runtime.ConnectionState != types.HostSystemConnectionStateConnected || host.Summary.Hardware == nil {
			continue
		}
		info.TotalGoodHosts++
		hw := host.Summary.Hardware
		n := int32(hw.CpuMhz) * int32(hw.NumCpuCores) / slot.CpuMHz
		if mem := int32(hw.MemorySize/(1024*1024)) / slot.MemoryMB; mem < n {
			n = mem
		}
		perHost = append(perHost, n)
		info.HostSlots = append(info.HostSlots, types.ClusterDasFailoverLevelAdvancedRuntimeInfoHostSlots{Host: ref, Slots: n})
		info.TotalSlots += n
	}
	sort.Slice(perHost, func(i, j int) bool { return perHost[i] > perHost[j] })
	reserved := int32(0)
	for i := 0; i < int(policy.FailoverLevel) && i < len(perHost); i++ {
		reserved += perHost[i]
	}
	info.UnreservedSlots = info.TotalSlots - info.UsedSlots - reserved
	if info.UnreservedSlots < 0 {
		info.UnreservedSlots = 0
	}
	return info
}
