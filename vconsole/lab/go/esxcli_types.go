package main

// DynamicTypeMgrQueryTypeInfo's answer: the managed types of the esxcli namespaces a host
// serves, built from the host agent's catalog (methods, parameters, result types).

import "encoding/xml"

const esxcliVersion = "vim.version.version5"

type Annotation struct {
	Name string `xml:"name"`
}

type ParamTypeInfo struct {
	Name       string       `xml:"name"`
	Version    string       `xml:"version"`
	Type       string       `xml:"type"`
	Annotation []Annotation `xml:"annotation,omitempty"`
}

type MethodTypeInfo struct {
	Name           string          `xml:"name"`
	WsdlName       string          `xml:"wsdlName"`
	Version        string          `xml:"version"`
	ParamTypeInfo  []ParamTypeInfo `xml:"paramTypeInfo,omitempty"`
	ReturnTypeInfo *ParamTypeInfo  `xml:"returnTypeInfo,omitempty"`
	Fault          []string        `xml:"fault,omitempty"`
}

type ManagedTypeInfo struct {
	Name     string           `xml:"name"`
	WsdlName string           `xml:"wsdlName"`
	Version  string           `xml:"version"`
	Base     []string         `xml:"base,omitempty"`
	Method   []MethodTypeInfo `xml:"method,omitempty"`
}

type AllTypeInfo struct {
	ManagedTypeInfo []ManagedTypeInfo `xml:"managedTypeInfo,omitempty"`
}

type QueryTypeInfoResponse struct {
	XMLName   xml.Name    `xml:"urn:vim25 DynamicTypeMgrQueryTypeInfoResponse"`
	Returnval AllTypeInfo `xml:"urn:vim25 returnval"`
}

type QueryTypeInfoBody = answerBody[QueryTypeInfoResponse]

// agentType is one namespace as the host agent's catalog describes it (JSON).
type agentType struct {
	Name     string `json:"name"`
	WsdlName string `json:"wsdlName"`
	Methods  []struct {
		Name     string `json:"name"`
		WsdlName string `json:"wsdlName"`
		Result   string `json:"result"`
		Params   []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			Optional bool   `json:"optional"`
		} `json:"params"`
	} `json:"methods"`
}

func allTypeInfo(types []agentType) AllTypeInfo {
	var all AllTypeInfo
	for _, t := range types {
		info := ManagedTypeInfo{Name: t.Name, WsdlName: t.WsdlName, Version: esxcliVersion, Base: []string{"vmodl.ManagedObject"}}
		for _, m := range t.Methods {
			method := MethodTypeInfo{
				Name: m.Name, WsdlName: m.WsdlName, Version: esxcliVersion,
				ReturnTypeInfo: &ParamTypeInfo{Name: "result", Version: esxcliVersion, Type: m.Result},
				Fault:          []string{"vim.EsxCLI.CLIFault"},
			}
			for _, p := range m.Params {
				param := ParamTypeInfo{Name: p.Name, Version: esxcliVersion, Type: p.Type}
				if p.Optional {
					param.Annotation = []Annotation{{Name: "optional"}}
				}
				method.ParamTypeInfo = append(method.ParamTypeInfo, param)
			}
			info.Method = append(info.Method, method)
		}
		all.ManagedTypeInfo = append(all.ManagedTypeInfo, info)
	}
	return all
}
