package main

// Build history an admin can read. The lab is built in about a second, so every event and task
// would carry the same timestamp and a newest-first list would come out in no particular order
// (a VM "being created" after it was powered on). spreadHistory keeps the order things
// happened in and places them a few seconds apart, ending when the lab came up.

import (
	"sort"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

const historyStep = 3 * time.Second

type moment struct {
	at  time.Time
	seq int
	set func(time.Time)
}

func (l *Lab) spreadHistory() {
	var moments []moment
	content := l.client.ServiceContent
	if content.EventManager != nil {
		if em, ok := simulator.Map.Get(*content.EventManager).(*simulator.EventManager); ok {
			moments = append(moments, eventMoments(em)...)
		}
	}
	if content.TaskManager != nil {
		if tm, ok := simulator.Map.Get(*content.TaskManager).(*simulator.TaskManager); ok {
			moments = append(moments, taskMoments(tm)...)
		}
	}
	sort.SliceStable(moments, func(i, j int) bool {
		if !moments[i].at.Equal(moments[j].at) {
			return moments[i].at.Before(moments[j].at)
		}
		return moments[i].seq < moments[j].seq
	})
	end := time.Now().Truncate(time.Second)
	for i, m := range moments {
		m.set(end.Add(-time.Duration(len(moments)-1-i) * historyStep))
	}
}

// eventMoments reads the simulator's latest events in-process (the same objects its
// QueryEvents serves), ordered by key within one instant.
func eventMoments(em *simulator.EventManager) []moment {
	req := &types.QueryEvents{Filter: types.EventFilterSpec{MaxCount: 1000}}
	body, ok := em.QueryEvents(nil, req).(*methods.QueryEventsBody)
	if !ok || body.Res == nil {
		return nil
	}
	var out []moment
	for _, be := range body.Res.Returnval {
		e := be.GetEvent()
		out = append(out, moment{at: e.CreatedTime, seq: int(e.Key), set: func(t time.Time) { e.CreatedTime = t }})
	}
	return out
}

func taskMoments(tm *simulator.TaskManager) []moment {
	var out []moment
	for i, ref := range tm.RecentTask {
		task, ok := simulator.Map.Get(ref).(*simulator.Task)
		if !ok {
			continue
		}
		info := &task.Info
		out = append(out, moment{at: info.QueueTime, seq: -len(tm.RecentTask) + i, set: func(t time.Time) { info.QueueTime = t }})
		if info.StartTime != nil {
			out = append(out, moment{at: *info.StartTime, seq: -len(tm.RecentTask) + i, set: func(t time.Time) { info.StartTime = &t }})
		}
		if info.CompleteTime != nil {
			out = append(out, moment{at: *info.CompleteTime, seq: 1 << 30, set: func(t time.Time) { info.CompleteTime = &t }})
		}
	}
	return out
}
