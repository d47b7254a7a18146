package main

// A PerformanceManager that serves realtime storage latency from the scenario: storagePath
// read/write latency per path (instance = path UID) and disk.* latency per device (instance =
// canonical name). Other counters and entities fall through to the simulator's own samples.

import (
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type pathPerf struct {
	uid             string
	readMs, writeMs float64
}

type devicePerf struct {
	id              string
	readMs, writeMs float64
}

type hostPerf struct {
	down    bool
	paths   []pathPerf
	devices []devicePerf
}

// counter computes one sample of a latency counter for an instance ("" = aggregate).
type counter func(h *hostPerf, instance string) (float64, bool)

// PerfMetricIntSeries keeps zero samples on the wire: the stock type's omitempty drops every
// 0 from the value list, which shortens the series and misaligns it with sampleInfo.
type PerfMetricIntSeries struct {
	types.PerfMetricSeries
	Value []int64 `xml:"value"`
}

type LabPerformanceManager struct {
	simulator.PerformanceManager
	hosts    map[types.ManagedObjectReference]*hostPerf
	counters map[int32]counter
	perDisk  map[int32]bool // instances are devices (disk.*), else paths (storagePath.*)
}

// hostPerfOf derives per-path and per-device latency: only working paths carry I/O, a device
// sees the mean of its working paths.
func hostPerfOf(spec HostSpec) *hostPerf {
	h := &hostPerf{down: spec.Down}
	for _, lun := range spec.Luns {
		working := workingPaths(lun)
		var r, w float64
		var n int
		for i, p := range lun.Paths {
			pp := pathPerf{uid: p.Uid}
			if working[i] {
				pp.readMs, pp.writeMs = p.ReadMs, p.WriteMs
				r, w, n = r+p.ReadMs, w+p.WriteMs, n+1
			}
			h.paths = append(h.paths, pp)
		}
		d := devicePerf{id: lun.Id}
		if n > 0 {
			d.readMs, d.writeMs = r/float64(n), w/float64(n)
		}
		h.devices = append(h.devices, d)
	}
	return h
}

// instanceValue: the picked value of one instance (a path or a device of the host), or the
// largest over all of them for the host-wide instance "".
func instanceValue[T any](all func(h *hostPerf) []T, id func(T) string, pick func(T) float64) counter {
	return func(h *hostPerf, instance string) (float64, bool) {
		best := 0.0
		for _, item := range all(h) {
			if instance == "" {
				best = math.Max(best, pick(item))
			} else if id(item) == instance {
				return pick(item), true
			}
		}
		return best, instance == ""
	}
}

func pathValue(pick func(p pathPerf) float64) counter {
	return instanceValue(func(h *hostPerf) []pathPerf { return h.paths }, func(p pathPerf) string { return p.uid }, pick)
}

func deviceValue(pick func(d devicePerf) float64) counter {
	return instanceValue(func(h *hostPerf) []devicePerf { return h.devices }, func(d devicePerf) string { return d.id }, pick)
}

func installPerformanceManager(ref types.ManagedObjectReference, hosts map[types.ManagedObjectReference]*hostPerf) {
	stock := simulator.Map.Get(ref).(*simulator.PerformanceManager)
	read := func(p pathPerf) float64 { return p.readMs }
	write := func(p pathPerf) float64 { return p.writeMs }
	mean := func(p pathPerf) float64 { return (p.readMs + p.writeMs) / 2 }
	dRead := func(d devicePerf) float64 { return d.readMs }
	dWrite := func(d devicePerf) float64 { return d.writeMs }
	dMean := func(d devicePerf) float64 { return (d.readMs + d.writeMs) / 2 }
	zero := func(devicePerf) float64 { return 0 }
	byName := map[string]counter{
		"storagePath.totalReadLatency.average":  pathValue(read),
		"storagePath.totalWriteLatency.average": pathValue(write),
		"storagePath.maxTotalLatency.latest":    pathValue(mean),
		"disk.deviceLatency.average":            deviceValue(dMean),
		"disk.deviceReadLatency.average":        deviceValue(dRead),
		"disk.deviceWriteLatency.average":       deviceValue(dWrite),
		"disk.totalLatency.average":             deviceValue(dMean),
		"disk.totalReadLatency.average":         deviceValue(dRead),
		"disk.totalWriteLatency.average":        deviceValue(dWrite),
		"disk.maxTotalLatency.latest":           deviceValue(dMean),
		"disk.kernelLatency.average":            deviceValue(zero),
		"disk.kernelReadLatency.average":        deviceValue(zero),
		"disk.kernelWriteLatency.average":       deviceValue(zero),
		"disk.queueLatency.average":             deviceValue(zero),
	}
	pm := &LabPerformanceManager{
		PerformanceManager: *stock,
		hosts:              hosts,
		counters:           map[int32]counter{},
		perDisk:            map[int32]bool{},
	}
	for _, c := range stock.PerfCounter {
		name := c.GroupInfo.GetElementDescription().Key + "." + c.NameInfo.GetElementDescription().Key + "." + string(c.RollupType)
		if f, ok := byName[name]; ok {
			pm.counters[c.Key] = f
			pm.perDisk[c.Key] = strings.HasPrefix(name, "disk.")
		}
	}
	simulator.Map.Put(pm)
}

// instances lists what a counter is reported for on a host.
func (m *LabPerformanceManager) instances(h *hostPerf, counterId int32) []string {
	var out []string
	if m.perDisk[counterId] {
		for _, d := range h.devices {
			out = append(out, d.id)
		}
	} else {
		for _, p := range h.paths {
			out = append(out, p.uid)
		}
	}
	return append(out, "")
}

func (m *LabPerformanceManager) QueryAvailablePerfMetric(ctx *simulator.Context, req *types.QueryAvailablePerfMetric) soap.HasFault {
	body := m.PerformanceManager.QueryAvailablePerfMetric(ctx, req).(*methods.QueryAvailablePerfMetricBody)
	h, ok := m.hosts[req.Entity]
	if !ok || body.Res == nil {
		return body
	}
	var ids []types.PerfMetricId
	for _, id := range body.Res.Returnval {
		if _, ours := m.counters[id.CounterId]; !ours {
			ids = append(ids, id)
		}
	}
	for key := range m.counters {
		for _, inst := range m.instances(h, key) {
			ids = append(ids, types.PerfMetricId{CounterId: key, Instance: inst})
		}
	}
	body.Res.Returnval = ids
	return body
}

func (m *LabPerformanceManager) QueryPerf(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	body := &methods.QueryPerfBody{Res: &types.QueryPerfResponse{}}
	for _, qs := range req.QuerySpec {
		h, ok := m.hosts[qs.Entity]
		if !ok {
			stock := m.PerformanceManager.QueryPerf(ctx, &types.QueryPerf{This: req.This, QuerySpec: []types.PerfQuerySpec{qs}})
			res := stock.(*methods.QueryPerfBody)
			if res.Fault_ != nil {
				return res
			}
			body.Res.Returnval = append(body.Res.Returnval, res.Res.Returnval...)
			continue
		}
		em := m.hostMetrics(ctx, req.This, qs, h)
		if qs.Format == string(types.PerfFormatCsv) {
			body.Res.Returnval = append(body.Res.Returnval, csvOf(em))
		} else {
			body.Res.Returnval = append(body.Res.Returnval, em)
		}
	}
	return body
}

// window is the sample grid of a query: ascending timestamps, interval seconds apart.
func window(qs types.PerfQuerySpec) ([]time.Time, int32) {
	interval := qs.IntervalId
	if interval <= 0 {
		interval = 20
	}
	step := time.Duration(interval) * time.Second
	end := time.Now()
	if qs.EndTime != nil {
		end = *qs.EndTime
	}
	end = end.Truncate(step)
	start := end.Add(-180 * step)
	if qs.StartTime != nil {
		start = *qs.StartTime
	}
	n := int(end.Sub(start) / step)
	if qs.MaxSample > 0 && n > int(qs.MaxSample) {
		n = int(qs.MaxSample)
	}
	if n < 1 {
		n = 1
	}
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = end.Add(-time.Duration(n-1-i) * step)
	}
	return ts, interval
}

// jitter is a stable +/-8% wobble per instance and sample time, so re-reads agree.
func jitter(instance string, counterId int32, t time.Time) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(instance))
	_, _ = h.Write([]byte{byte(counterId), byte(counterId >> 8)})
	_, _ = h.Write([]byte(t.UTC().Format(time.RFC3339)))
	return (float64(h.Sum64()%1601)/800.0 - 1.0) * 0.08
}

func sample(base float64, instance string, counterId int32, t time.Time) int64 {
	if base <= 0 {
		return 0
	}
	v := math.Round(base * (1 + jitter(instance, counterId, t)))
	return int64(math.Max(1, v))
}

// hostMetrics answers one query spec for a host; a host that is not responding has no
// realtime samples to give, so its answer is empty.
func (m *LabPerformanceManager) hostMetrics(ctx *simulator.Context, this types.ManagedObjectReference, qs types.PerfQuerySpec, h *hostPerf) *types.PerfEntityMetric {
	out := &types.PerfEntityMetric{PerfEntityMetricBase: types.PerfEntityMetricBase{Entity: qs.Entity}}
	if h.down {
		return out
	}
	ts, interval := window(qs)
	for _, t := range ts {
		out.SampleInfo = append(out.SampleInfo, types.PerfSampleInfo{Timestamp: t, Interval: interval})
	}
	var others []types.PerfMetricId
	for _, id := range qs.MetricId {
		f, ours := m.counters[id.CounterId]
		if !ours {
			others = append(others, id)
			continue
		}
		insts := []string{id.Instance}
		if id.Instance == "*" {
			insts = m.instances(h, id.CounterId)
		}
		for _, inst := range insts {
			base, known := f(h, inst)
			if !known {
				continue
			}
			series := &PerfMetricIntSeries{PerfMetricSeries: types.PerfMetricSeries{Id: types.PerfMetricId{CounterId: id.CounterId, Instance: inst}}}
			for _, t := range ts {
				series.Value = append(series.Value, sample(base, inst, id.CounterId, t))
			}
			out.Value = append(out.Value, series)
		}
	}
	if len(others) > 0 {
		start, end := ts[0].Add(-time.Duration(interval)*time.Second), ts[len(ts)-1]
		sub := qs
		sub.MetricId, sub.StartTime, sub.EndTime, sub.MaxSample = others, &start, &end, int32(len(ts))
		res := m.PerformanceManager.QueryPerf(ctx, &types.QueryPerf{This: this, QuerySpec: []types.PerfQuerySpec{sub}}).(*methods.QueryPerfBody)
		if res.Res != nil && len(res.Res.Returnval) == 1 {
			if em, ok := res.Res.Returnval[0].(*types.PerfEntityMetric); ok {
				for _, v := range em.Value {
					if s, ok := v.(*types.PerfMetricIntSeries); ok {
						reverse(s.Value)
						for len(s.Value) < len(ts) {
							s.Value = append([]int64{-1}, s.Value...)
						}
						v = &PerfMetricIntSeries{PerfMetricSeries: s.PerfMetricSeries, Value: s.Value}
					}
					out.Value = append(out.Value, v)
				}
			}
		}
	}
	return out
}

// csvOf writes an answer in the "csv" format: sampleInfoCSV as "interval,dateTime" pairs (the
// order the API reference documents), each series' samples as one "v1,v2,..." string.
func csvOf(em *types.PerfEntityMetric) *types.PerfEntityMetricCSV {
	out := &types.PerfEntityMetricCSV{PerfEntityMetricBase: em.PerfEntityMetricBase}
	info := make([]string, 0, 2*len(em.SampleInfo))
	for _, s := range em.SampleInfo {
		info = append(info, strconv.Itoa(int(s.Interval)), s.Timestamp.UTC().Format(time.RFC3339))
	}
	out.SampleInfoCSV = strings.Join(info, ",")
	for _, v := range em.Value {
		var values []int64
		switch s := v.(type) {
		case *PerfMetricIntSeries:
			values = s.Value
		case *types.PerfMetricIntSeries:
			values = s.Value
		}
		parts := make([]string, len(values))
		for i, x := range values {
			parts[i] = strconv.FormatInt(x, 10)
		}
		series := types.PerfMetricSeriesCSV{Value: strings.Join(parts, ",")}
		series.Id = v.GetPerfMetricSeries().Id
		out.Value = append(out.Value, series)
	}
	return out
}

func reverse(v []int64) {
	for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
		v[i], v[j] = v[j], v[i]
	}
}
