package main

// esxcli over the vSphere API (docs/esxcli-api.md): HostSystem.RetrieveManagedMethodExecuter and
// RetrieveDynamicTypeManager, the dynamic type manager's two queries and ExecuteSoap. As real
// vCenter relays these to the host agent, each call is forwarded to the lab host that owns the
// HostSystem (its agent URL comes with the topology) and its answer is returned, so the API and
// the host's SSH esxcli answer from one state.
//
// vcsim's HostSystem cannot be given new methods (other simulator code type-asserts
// *simulator.HostSystem), so the two HostSystem methods are served by a per-host LabHostAgent
// object: retargetHostCalls rewrites their `_this` from HostSystem to LabHostAgent before the
// simulator dispatches, keeping its session checks.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Wire types (govmomi keeps its own in an internal package a program outside govmomi cannot import).

type RetrieveManagedMethodExecuterRequest struct {
	This types.ManagedObjectReference `xml:"_this"`
}

type RetrieveDynamicTypeManagerRequest struct {
	This types.ManagedObjectReference `xml:"_this"`
}

// answerBody is the SOAP Body of one method's answer: its response, whose element name is the
// response type's XMLName, or a fault.
type answerBody[R any] struct {
	Res    *R          `xml:",omitempty"`
	Fault_ *soap.Fault `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault,omitempty"`
}

func (b *answerBody[R]) Fault() *soap.Fault { return b.Fault_ }

type executerResponse struct {
	XMLName   xml.Name                      `xml:"urn:vim25 RetrieveManagedMethodExecuterResponse"`
	Returnval *types.ManagedObjectReference `xml:"urn:vim25 returnval"`
}

type typeManagerResponse struct {
	XMLName   xml.Name                      `xml:"urn:vim25 RetrieveDynamicTypeManagerResponse"`
	Returnval *types.ManagedObjectReference `xml:"urn:vim25 returnval"`
}

type RetrieveManagedMethodExecuterBody = answerBody[executerResponse]

type RetrieveDynamicTypeManagerBody = answerBody[typeManagerResponse]

type SoapArgument struct {
	Name string `xml:"name"`
	Val  string `xml:"val"`
}

type ExecuteSoapRequest struct {
	This     types.ManagedObjectReference `xml:"_this"`
	Moid     string                       `xml:"moid"`
	Version  string                       `xml:"version"`
	Method   string                       `xml:"method"`
	Argument []SoapArgument               `xml:"argument,omitempty"`
}

type SoapFault struct {
	FaultMsg    string `xml:"faultMsg"`
	FaultDetail string `xml:"faultDetail,omitempty"`
}

type SoapResult struct {
	Response string     `xml:"response,omitempty"`
	Fault    *SoapFault `xml:"fault,omitempty"`
}

type ExecuteSoapResponse struct {
	XMLName   xml.Name    `xml:"urn:vim25 ExecuteSoapResponse"`
	Returnval *SoapResult `xml:"urn:vim25 returnval"`
}

type ExecuteSoapBody = answerBody[ExecuteSoapResponse]

// FilterSpec takes both filter kinds (MoFilterSpec: id, typeSubstr; TypeFilterSpec: typeSubstr).
type FilterSpec struct {
	Id         string `xml:"id,omitempty"`
	TypeSubstr string `xml:"typeSubstr,omitempty"`
}

type QueryMoInstancesRequest struct {
	This       types.ManagedObjectReference `xml:"_this"`
	FilterSpec *FilterSpec                  `xml:"filterSpec,omitempty"`
}

type MoInstance struct {
	Id     string `xml:"id" json:"id"`
	MoType string `xml:"moType" json:"moType"`
}

type QueryMoInstancesResponse struct {
	XMLName   xml.Name     `xml:"urn:vim25 DynamicTypeMgrQueryMoInstancesResponse"`
	Returnval []MoInstance `xml:"urn:vim25 returnval"`
}

type QueryMoInstancesBody = answerBody[QueryMoInstancesResponse]

type QueryTypeInfoRequest struct {
	This       types.ManagedObjectReference `xml:"_this"`
	FilterSpec *FilterSpec                  `xml:"filterSpec,omitempty"`
}

func init() {
	for name, req := range map[string]interface{}{
		"RetrieveManagedMethodExecuter":  RetrieveManagedMethodExecuterRequest{},
		"RetrieveDynamicTypeManager":     RetrieveDynamicTypeManagerRequest{},
		"ExecuteSoap":                    ExecuteSoapRequest{},
		"DynamicTypeMgrQueryMoInstances": QueryMoInstancesRequest{},
		"DynamicTypeMgrQueryTypeInfo":    QueryTypeInfoRequest{},
	} {
		types.Add(name, reflect.TypeOf(req))
	}
}

// hostLink is how the lab vCenter reaches one host's agent.
type hostLink struct {
	host  types.ManagedObjectReference
	url   string
	token string
}

// agentClient keeps its connections to the host agents open between calls, as vCenter keeps
// its links to each hostd: a round of an MTU matrix relays hundreds of pings at once, and a new
// connection per call (Go keeps only two idle per host by default) made every call pay for a
// connection and the agent for a new thread. Idle ones close before the agent's own idle limit.
var agentClient = &http.Client{
	Timeout: 10 * time.Minute,
	Transport: &http.Transport{
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	},
}

// The benchmark's old way (bench/bench_mtu_relay.py): a new connection per relayed call.
func init() {
	if os.Getenv("VCONSOLE_LAB_RELAY_CONNECTION_PER_CALL") != "" {
		agentClient.Transport.(*http.Transport).DisableKeepAlives = true
	}
}

// errAgentDown means the host agent answered 503: the host stopped answering at run time.
var errAgentDown = fmt.Errorf("host agent not answering")

func (l *hostLink) call(body map[string]interface{}, out interface{}) error {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, l.url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.token)
	res, err := agentClient.Do(req)
	if err != nil {
		return errAgentDown
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if res.StatusCode == http.StatusServiceUnavailable {
		return errAgentDown
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("host agent answered %d: %s", res.StatusCode, bytes.TrimSpace(raw))
	}
	return json.Unmarshal(raw, out)
}

// fault is the SOAP fault for a host vCenter cannot reach, or nil when it is connected.
func (l *hostLink) unreachable(ctx *simulator.Context) *soap.Fault {
	host, ok := ctx.Map.Get(l.host).(*simulator.HostSystem)
	if !ok {
		return simulator.Fault("", &types.ManagedObjectNotFound{Obj: l.host})
	}
	if host.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
		return simulator.Fault("", &types.HostNotConnected{})
	}
	return nil
}

func agentFault(err error) *soap.Fault {
	if err == errAgentDown {
		return simulator.Fault("", &types.HostCommunication{})
	}
	return simulator.Fault(err.Error(), &types.SystemError{Reason: err.Error()})
}

// relay opts an object out of the simulator's per-object call lock: the relay objects hold no
// state, and a host agent answers concurrent calls (a slow ping must not hold up the next one).
type relay struct{}

func (*relay) Lock()   {}
func (*relay) Unlock() {}

// LabHostAgent serves the two HostSystem methods for one host (see retargetHostCalls).
type LabHostAgent struct {
	relay
	Self types.ManagedObjectReference
	link *hostLink
	mme  types.ManagedObjectReference
	dtm  types.ManagedObjectReference
}

func (a *LabHostAgent) Reference() types.ManagedObjectReference { return a.Self }

func (a *LabHostAgent) RetrieveManagedMethodExecuter(ctx *simulator.Context, req *RetrieveManagedMethodExecuterRequest) soap.HasFault {
	if f := a.link.unreachable(ctx); f != nil {
		return &RetrieveManagedMethodExecuterBody{Fault_: f}
	}
	ref := a.mme
	return &RetrieveManagedMethodExecuterBody{Res: &executerResponse{Returnval: &ref}}
}

func (a *LabHostAgent) RetrieveDynamicTypeManager(ctx *simulator.Context, req *RetrieveDynamicTypeManagerRequest) soap.HasFault {
	if f := a.link.unreachable(ctx); f != nil {
		return &RetrieveDynamicTypeManagerBody{Fault_: f}
	}
	ref := a.dtm
	return &RetrieveDynamicTypeManagerBody{Res: &typeManagerResponse{Returnval: &ref}}
}

// LabExecuter is a host's ReflectManagedMethodExecuter.
type LabExecuter struct {
	relay
	Self types.ManagedObjectReference
	link *hostLink
}

func (e *LabExecuter) Reference() types.ManagedObjectReference { return e.Self }

type executeAnswer struct {
	Response *string `json:"response"`
	Fault    *struct {
		Msg    string `json:"msg"`
		Detail string `json:"detail"`
	} `json:"fault"`
	Invalid string `json:"invalid"`
}

func (e *LabExecuter) ExecuteSoap(ctx *simulator.Context, req *ExecuteSoapRequest) soap.HasFault {
	if f := e.link.unreachable(ctx); f != nil {
		return &ExecuteSoapBody{Fault_: f}
	}
	args := make([]map[string]string, 0, len(req.Argument))
	for _, a := range req.Argument {
		args = append(args, map[string]string{"name": a.Name, "val": a.Val})
	}
	var ans executeAnswer
	err := e.link.call(map[string]interface{}{
		"call": "ExecuteSoap", "moid": req.Moid, "version": req.Version,
		"method": req.Method, "arguments": args,
	}, &ans)
	switch {
	case err != nil:
		return &ExecuteSoapBody{Fault_: agentFault(err)}
	case ans.Invalid != "":
		msg := "A specified parameter was not correct: " + ans.Invalid
		return &ExecuteSoapBody{Fault_: simulator.Fault(msg, &types.InvalidArgument{InvalidProperty: ans.Invalid})}
	case ans.Fault != nil:
		result := &SoapResult{Fault: &SoapFault{FaultMsg: ans.Fault.Msg, FaultDetail: ans.Fault.Detail}}
		return &ExecuteSoapBody{Res: &ExecuteSoapResponse{Returnval: result}}
	case ans.Response != nil:
		return &ExecuteSoapBody{Res: &ExecuteSoapResponse{Returnval: &SoapResult{Response: *ans.Response}}}
	}
	return &ExecuteSoapBody{Fault_: agentFault(fmt.Errorf("host agent gave no answer"))}
}

// LabTypeManager is a host's InternalDynamicTypeManager.
type LabTypeManager struct {
	relay
	Self types.ManagedObjectReference
	link *hostLink
}

func (m *LabTypeManager) Reference() types.ManagedObjectReference { return m.Self }

func (m *LabTypeManager) DynamicTypeMgrQueryMoInstances(ctx *simulator.Context, req *QueryMoInstancesRequest) soap.HasFault {
	if f := m.link.unreachable(ctx); f != nil {
		return &QueryMoInstancesBody{Fault_: f}
	}
	spec := req.FilterSpec
	if spec == nil {
		spec = &FilterSpec{}
	}
	var ans struct {
		Instances []MoInstance `json:"instances"`
	}
	err := m.link.call(map[string]interface{}{"call": "QueryMoInstances", "id": spec.Id, "typeSubstr": spec.TypeSubstr}, &ans)
	if err != nil {
		return &QueryMoInstancesBody{Fault_: agentFault(err)}
	}
	return &QueryMoInstancesBody{Res: &QueryMoInstancesResponse{Returnval: ans.Instances}}
}

func (m *LabTypeManager) DynamicTypeMgrQueryTypeInfo(ctx *simulator.Context, req *QueryTypeInfoRequest) soap.HasFault {
	if f := m.link.unreachable(ctx); f != nil {
		return &QueryTypeInfoBody{Fault_: f}
	}
	spec := req.FilterSpec
	if spec == nil {
		spec = &FilterSpec{}
	}
	var ans struct {
		Types []agentType `json:"types"`
	}
	if err := m.link.call(map[string]interface{}{"call": "QueryTypeInfo", "typeSubstr": spec.TypeSubstr}, &ans); err != nil {
		return &QueryTypeInfoBody{Fault_: agentFault(err)}
	}
	return &QueryTypeInfoBody{Res: &QueryTypeInfoResponse{Returnval: allTypeInfo(ans.Types)}}
}

// installEsxcli registers the executer, type manager and host-method objects of each host that
// has an agent URL.
func (l *Lab) installEsxcli(topo *Topology, token string) {
	for _, dc := range topo.Datacenters {
		for _, cl := range dc.Clusters {
			for _, spec := range cl.Hosts {
				host, ok := l.hosts[spec.Name]
				if !ok || spec.AgentUrl == "" {
					continue
				}
				ref := host.Reference()
				suffix := strings.TrimPrefix(ref.Value, "host-")
				link := &hostLink{host: ref, url: spec.AgentUrl, token: token}
				mme := &LabExecuter{Self: types.ManagedObjectReference{Type: "ReflectManagedMethodExecuter", Value: "ManagedMethodExecuter-" + suffix}, link: link}
				dtm := &LabTypeManager{Self: types.ManagedObjectReference{Type: "InternalDynamicTypeManager", Value: "DynamicTypeManager-" + suffix}, link: link}
				simulator.Map.Put(mme)
				simulator.Map.Put(dtm)
				simulator.Map.Put(&LabHostAgent{
					Self: types.ManagedObjectReference{Type: labHostAgentType, Value: ref.Value},
					link: link, mme: mme.Self, dtm: dtm.Self,
				})
			}
		}
	}
}

const labHostAgentType = "LabHostAgent"

var hostThis = regexp.MustCompile(`(<(?:[A-Za-z0-9_]+:)?_this\b[^>]*?\btype=")HostSystem("[^>]*>\s*)([^<\s]+)`)
var hostMethod = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?(RetrieveManagedMethodExecuter|RetrieveDynamicTypeManager)\b`)

// retargetHostCalls sends the two HostSystem methods vcsim lacks to the host's LabHostAgent;
// a host without one keeps its `_this`, so the simulator answers MethodNotFound.
func retargetHostCalls(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sdk") {
			body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
			_ = r.Body.Close()
			if err == nil && hostMethod.Match(body) {
				body = hostThis.ReplaceAllFunc(body, func(m []byte) []byte {
					parts := hostThis.FindSubmatch(m)
					agent := types.ManagedObjectReference{Type: labHostAgentType, Value: string(parts[3])}
					if simulator.Map.Get(agent) == nil {
						return m
					}
					return []byte(string(parts[1]) + labHostAgentType + string(parts[2]) + string(parts[3]))
				})
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}
