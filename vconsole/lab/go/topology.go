package main

// The JSON topology written by vconsole.lab.vcsim.scenario_to_vcsim_json; field names are the contract.

import (
	"encoding/json"
	"fmt"
	"os"
)

type Topology struct {
	Vcenter     string       `json:"vcenter"`
	Datacenters []Datacenter `json:"datacenters"`
	Checks      ChecksSpec   `json:"checks"`
}

type Datacenter struct {
	Name       string          `json:"name"`
	Site       string          `json:"site"`
	Switches   []SwitchSpec    `json:"switches"`
	Datastores []DatastoreSpec `json:"datastores"`
	Clusters   []ClusterSpec   `json:"clusters"`
}

type SwitchSpec struct {
	Name       string    `json:"name"`
	Mtu        int32     `json:"mtu"`
	Lags       []LagSpec `json:"lags"`
	Portgroups []string  `json:"portgroups"`
}

type LagSpec struct {
	Key           string `json:"key"`
	Name          string `json:"name"`
	Mode          string `json:"mode"`
	UplinkNum     int32  `json:"uplink_num"`
	LoadBalancing string `json:"load_balancing"`
	Timeout       string `json:"timeout"`
}

type DatastoreSpec struct {
	Name       string `json:"name"`
	CapacityGb int64  `json:"capacity_gb"`
	FreeGb     int64  `json:"free_gb"`
}

type ClusterSpec struct {
	Name  string     `json:"name"`
	Hosts []HostSpec `json:"hosts"`
}

type HostSpec struct {
	Name       string           `json:"name"`
	Down       bool             `json:"down"`
	Version    string           `json:"version"`
	Build      string           `json:"build"`
	Vms        []VmSpec         `json:"vms"`
	Datastores []string         `json:"datastores"`
	Vmks       []VmkSpec        `json:"vmks"`
	Nics       []NicSpec        `json:"nics"`
	Lags       []HostLag        `json:"lags"`
	Luns       []LunSpec        `json:"luns"`
	Advanced   map[string]int64 `json:"advanced"`
	AgentUrl   string           `json:"agent_url"`
	Lockdown   string           `json:"lockdown"`
	HostLoadSpec
}

type VmSpec struct {
	Name      string `json:"name"`
	PoweredOn bool   `json:"powered_on"`
	GuestId   string `json:"guest_id"`
	GuestName string `json:"guest_name"`
	Cpu       int32  `json:"cpu"`
	MemoryMb  int32  `json:"memory_mb"`
	Ip        string `json:"ip"`
}

type VmkSpec struct {
	Name      string   `json:"name"`
	Ip        string   `json:"ip"`
	Netmask   string   `json:"netmask"`
	Mtu       int32    `json:"mtu"`
	Netstack  string   `json:"netstack"`
	Portgroup string   `json:"portgroup"`
	Switch    string   `json:"switch"`
	Services  []string `json:"services"`
}

type NicSpec struct {
	Name    string `json:"name"`
	SpeedMb int32  `json:"speed_mbps"`
	LinkUp  bool   `json:"link_up"`
}

type HostLag struct {
	Switch string   `json:"switch"`
	Name   string   `json:"name"`
	Key    string   `json:"key"`
	Nics   []string `json:"nics"`
}

type LunSpec struct {
	Id          string     `json:"id"`
	DisplayName string     `json:"display_name"`
	Datastore   string     `json:"datastore"`
	CapacityGb  int64      `json:"capacity_gb"`
	Psp         string     `json:"psp"`
	Satp        string     `json:"satp"`
	Paths       []PathSpec `json:"paths"`
}

type PathSpec struct {
	Name    string  `json:"name"`
	Uid     string  `json:"uid"`
	State   string  `json:"state"`
	ReadMs  float64 `json:"read_ms"`
	WriteMs float64 `json:"write_ms"`
	Adapter string  `json:"adapter"`
	Target  string  `json:"target"`
}

func loadTopology(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}
