// Command vconsole-vcsim serves a vCenter simulator shaped from a vconsole lab scenario.
//
// It builds govmomi's simulator model from the JSON topology given with -scenario, listens on
// loopback and prints one JSON line {"url", "user", "password"} once the SDK answers.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

func main() {
	scenario := flag.String("scenario", "", "path of the JSON topology ("+contract+")")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	dir := flag.String("dir", "", "directory for datastore files, removed on exit (default: a temporary one)")
	user := flag.String("username", "user", "login user name")
	password := flag.String("password", "pass", "login password (VCONSOLE_VCSIM_PASSWORD wins, keeping it off the command line)")
	useTLS := flag.Bool("tls", false, "serve HTTPS with a self-signed certificate")
	flag.BoolVar(&pollTasks, "poll-tasks", false, "wait for each build task through a property collector (slow; for benchmarks)")
	orphan := flag.Bool("outlive-parent", false, "keep serving when the process that started it exits")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("vconsole-vcsim: ")
	if env := os.Getenv("VCONSOLE_VCSIM_PASSWORD"); env != "" {
		*password = env
	}
	if *scenario == "" {
		log.Fatal("-scenario is required")
	}
	topo, err := loadTopology(*scenario)
	if err != nil {
		log.Fatal(err)
	}
	stateDir := *dir
	if stateDir == "" {
		if stateDir, err = os.MkdirTemp("", "vconsole-vcsim-"); err != nil {
			log.Fatal(err)
		}
	} else if err := os.MkdirAll(stateDir, 0o700); err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(stateDir)

	started := time.Now()
	model := simulator.VPX()
	model.Datacenter, model.Host, model.Cluster, model.ClusterHost = 0, 0, 0, 0
	model.Datastore, model.Machine, model.Portgroup = 0, 0, 0
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	ctx := context.Background()
	client, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		log.Fatal(err)
	}
	lab := newLab(client, stateDir)
	if err := lab.build(ctx, topo); err != nil {
		log.Fatalf("building the inventory: %v", err)
	}
	lab.installEsxcli(topo, os.Getenv("VCONSOLE_VCSIM_AGENT_TOKEN"))
	built := time.Since(started)

	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *password)}
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	server := model.Service.NewServer()
	defer server.Close()
	server.Config.Handler = withLabMethods(retargetHostCalls(server.Config.Handler)) // before any client connects

	u := *server.URL
	u.User = nil
	line, _ := json.Marshal(map[string]interface{}{
		"url":      u.String(),
		"user":     *user,
		"password": *password,
		"build_s":  built.Seconds(),
	})
	fmt.Println(string(line))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if !*orphan {
		go exitWithParent(sig)
	}
	<-sig
}

// contract names the topology format; the Python side checks for it before using a binary.
const contract = "vconsole-lab-topology/1"

// exitWithParent stops the simulator when the process that started it is gone, so a crashed
// lab daemon or test run leaves nothing listening.
func exitWithParent(sig chan<- os.Signal) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			sig <- syscall.SIGTERM
			return
		}
	}
}
