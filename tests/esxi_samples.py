"""Known-good ESXi outputs for the re-formatting tests, each with where it comes from.

[V] = verbatim in /work/shared/reference/esxi/ (which cites the public source); [pub] = a public
sample found by search and named here. Nothing here is invented: spacing is as published.
"""

from __future__ import annotations

# ---- esxcli-lacp.md §5 [V] (VMware VDNet Perl comment, 5.1 era)
LACP_STATS = """\
DVSwitch  LAGID  NIC     Rx Errors  Rx LACPDUs  Tx Errors  Tx LACPDUs
--------  -----  ------  ---------  ----------  ---------  ----------
test-2        0  vmnic3          0           0          0         142
test-2        0  vmnic2          0           0          0         142
test-2        0  vmnic1          0           0          0         142
"""

# ---- esxcli-lacp.md §4 [V] (VDNet, 5.1 era; empty NICs and Mode cells)
LACP_CONFIG = """\
DVS Name           LAG ID  NICs                  Enabled  Mode
-----------------  ------  --------------------  -------  ----
vdswitch-0-1-1695       0  vmnic1,vmnic2,vmnic3    false
vdswitch-1-1-1695       0                          true   Active
vdswitch-2-1-1695       0  vmnic4                  true   Passive
"""

# ---- esxcli-lacp.md §2a [V] (VDNet comment, legend wrapped as in the source)
LACP_STATUS = """\
dvs
  DVSwitch: dvs
  Flags: S - Device is sending Slow LACPDUs,
         F - Device is sending fast LACPDUs,
         A - Device is in active mode,
         P - Device is in passive mode
  LAGID: 55555
  Mode: Active
  Nic List:
   Local Information:
        Admin Key: 7
        Flags: FA
        Oper Key: 7
        Port Number: 2
        Port Priority: 255
        Port State: ACT,FTO,AGG,SYN,COL,DIST,
        Nic: vmnic3
        Partner Information:
        Age: 00:00:03
        Device ID: 00:04:96:34:c8:4f
        Flags: SA
        Oper Key: 1039
        Port Number: 1039
        Port Priority: 0
        Port State: ACT,AGG,SYN,COL,DIST,
        State: Bundled
"""

# ---- esxcli-network-inventory.md §2 [V] (ESXi 9.0 and 6.x sessions)
IPV4_9 = """\
Name  IPv4 Address   IPv4 Netmask   IPv4 Broadcast  Address Type  Gateway      DHCP DNS
----  -------------  -------------  --------------  ------------  -----------  --------
vmk0  172.30.30.176  255.255.255.0  172.30.30.255   STATIC        172.30.30.1     false
"""
IPV4_6 = """\
Name  IPv4 Address  IPv4 Netmask   IPv4 Broadcast  Address Type  Gateway      DHCP DNS
----  ------------  -------------  --------------  ------------  -----------  --------
vmk0  192.168.1.11  255.255.255.0  192.168.1.255   STATIC        192.168.1.1     false
"""

# ---- esxcli-network-inventory.md §3 [V] (ESXi 9.0 session)
NIC_LIST = """\
Name    PCI Device    Driver    Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description
------  ------------  --------  ------------  -----------  -----  ------  -----------------  ----  -----------
vmnic0  0000:02:01.0  nvmxnet3  Up            Up           10000  Full    00:50:56:b3:b9:89  1500  VMware Inc. vmxnet3 Virtual Ethernet Controller
"""  # noqa: E501

# ---- esxcli-network-inventory.md §1 [V] (ESXi 9.0, ogelbric/VCF9-notes; ESXi 6.x blog notes)
IFACE_9 = """\
vmk0
   Name: vmk0
   MAC Address: 00:50:56:9f:78:3b
   Enabled: true
   Portset: vSwitch0
   Portgroup: Management Network
   Netstack Instance: defaultTcpipStack
   VDS Name: N/A
   VDS UUID: N/A
   VDS Port: N/A
   VDS Connection: -1
   Opaque Network ID: N/A
   Opaque Network Type: N/A
   External ID: N/A
   MTU: 9000
   TSO MSS: 65535
   RXDispQueue Size: 4
   Port ID: 67108875
   URPF: 0
"""
IFACE_6 = """\
vmk0
   Name: vmk0
   MAC Address: 00:50:56:6c:01:11
   Enabled: true
   Portset: vSwitch0
   Portgroup: Management
   Netstack Instance: defaultTcpipStack
   VDS Name: N/A
   VDS UUID: N/A
   VDS Port: N/A
   VDS Connection: -1
   Opaque Network ID: N/A
   Opaque Network Type: N/A
   External ID: N/A
   MTU: 1500
   TSO MSS: 65535
   RXDispQueue Size: 1
   Port ID: 33554443
"""

# ---- esxcli-network-inventory.md §4 [V] (ESXi 9.0 session; trailing spaces as published)
DVS_9 = (
    "VDS-Prod\n"
    "   Name: VDS-Prod\n"
    "   VDS ID: 50 33 8c 87 5f 05 cd 73-bc 4f 7c 4f 55 23 fc f8\n"
    "   Class: cswitch\n"
    "   Num Ports: 1590\n"
    "   Used Ports: 1\n"
    "   Configured Ports: 512\n"
    "   MTU: 1500\n"
    "   CDP Status: listen\n"
    "   Beacon Timeout: -1\n"
    "   Uplinks: \n"
    "   VMware Branded: true\n"
    "   DVPort: \n"
    "         Client: \n"
    "         DVPortgroup ID: dvportgroup-4024\n"
    "         In Use: false\n"
    "         Port ID: 0\n"
    "      \n"
    "         Client: \n"
    "         DVPortgroup ID: dvportgroup-4024\n"
    "         In Use: false\n"
    "         Port ID: 1\n"
)

# ---- esxcli-network-inventory.md §5 [V]
NETSTACKS = """\
defaultTcpipStack
   Key: defaultTcpipStack
   Name: defaultTcpipStack
   State: 4660
"""

# ---- esxcli-storage-multipath.md §1 [V] (Blockbridge guide; 4 extra spaces as published)
NMP_DEVICE_IOPS = """\
    naa.60a010a03ff1bb511962194c40626cd1
       Device Display Name: B*BRIDGE iSCSI Disk (naa.60a010a03ff1bb511962194c40626cd1)
       Storage Array Type: VMW_SATP_DEFAULT_AA
       Storage Array Type Device Config: {action_OnRetryErrors=off}
       Path Selection Policy: VMW_PSP_RR
       Path Selection Policy Device Config: {policy=iops,iops=8,bytes=10485760,useANO=0; lastPathIndex=1: NumIOsPending=0,numBytesPending=0}
       Path Selection Policy Device Custom Config:
       Working Paths: vmhba64:C1:T0:L0, vmhba64:C0:T0:L0
       Is USB: false
"""  # noqa: E501

# ---- [pub] mcowger "Multipath Identification in ESX" (2011, a public GitHub pages repository,
# post wordpress_id 87): `# esxcli storage nmp device list` and `esxcfg-mpath -l` (Jason Boche's host)
NMP_DEVICE_EMC = """\
naa.5000144f79272808
   Device Display Name: EMC iSCSI Disk (naa.5000144f79272808)
   Storage Array Type: VMW_SATP_DEFAULT_AA
   Storage Array Type Device Config: SATP VMW_SATP_DEFAULT_AA does not support device configuration.
   Path Selection Policy: VMW_PSP_RR
   Path Selection Policy Device Config: {policy=rr,iops=1000,bytes=10485760,useANO=0;lastPathIndex=0: NumIOsPending=0,numBytesPending=0}
   Path Selection Policy Device Custom Config:
   Working Paths: vmhba37:C1:T0:L0, vmhba37:C0:T0:L0
"""  # noqa: E501
ESXCFG_MPATH_L = """\
iqn.1998-01.com.vmware:esxi2-35bac89b-00023d000002,iqn.1992-04.com.emc:storage.Storage.tiny,t,1-naa.5000144f79272808
   Runtime Name: vmhba37:C1:T0:L0
   Device: naa.5000144f79272808
   Device Display Name: EMC iSCSI Disk (naa.5000144f79272808)
   Adapter: vmhba37 Channel: 1 Target: 0 LUN: 0
   Adapter Identifier: iqn.1998-01.com.vmware:esxi2-35bac89b
   Target Identifier: 00023d000002,iqn.1992-04.com.emc:storage.Storage.tiny,t,1
   Plugin: NMP
   State: active
   Transport: iscsi
   Adapter Transport Details: iqn.1998-01.com.vmware:esxi2-35bac89b
   Target Transport Details: IQN=iqn.1992-04.com.emc:storage.Storage.tiny Alias= Session=00023d000002 PortalTag=1
"""  # noqa: E501

# ---- esxcli-storage-multipath.md §2 [V] (Huawei UniAutos docstring; 4-space indent as published)
NMP_PATHS = """\
fc.20000024ff8af5c0:21000024ff8af5c0-fc.2100143004b0e459:2080143004b0e459-naa.6143004100b0e4590139f72e00000046
    Runtime Name: vmhba2:C0:T0:L1
    Device: naa.6143004100b0e4590139f72e00000046
    Device Display Name: HUAWEI Fibre Channel Disk (naa.6143004100b0e4590139f72e00000046)
    Group State: active
    Array Priority: 0
    Storage Array Type Path Config: {TPG_id=1,TPG_state=AO,RTP_id=29,RTP_health=UP}
    Path Selection Policy Path Config: PSP VMW_PSP_RR does not support path configuration.

fc.20000024ff8af5c1:21000024ff8af5c1-fc.2100143004b0e459:2091143004b0e459-naa.6143004100b0e4590139f72e00000046
    Runtime Name: vmhba3:C0:T3:L1
    Device: naa.6143004100b0e4590139f72e00000046
    Device Display Name: HUAWEI Fibre Channel Disk (naa.6143004100b0e4590139f72e00000046)
    Group State: active unoptimized
    Array Priority: 0
    Storage Array Type Path Config: {TPG_id=2,TPG_state=ANO,RTP_id=286,RTP_health=UP}
    Path Selection Policy Path Config: PSP VMW_PSP_RR does not support path configuration.
"""  # noqa: E501

# ---- esxcli-storage-multipath.md §3 [V] (SAS, Perl tool comment; first line indented there)
CORE_PATH_SAS = """\
sas.5000000000000000-sas.500000e01947e132-naa.500000e01947e130
   UID: sas.5000000000000000-sas.500000e01947e132-naa.500000e01947e130
   Runtime Name: vmhba2:C0:T0:L0
   Device: naa.500000e01947e130
   Device Display Name: FUJITSU Serial Attached SCSI Disk (naa.500000e01947e130)
   Adapter: vmhba2
   Channel: 0
   Target: 0
   LUN: 0
   Plugin: NMP
   State: active
   Transport: sas
   Adapter Identifier: sas.5000000000000000
   Target Identifier: sas.500000e01947e132
   Adapter Transport Details: 5000000000000000
   Target Transport Details: 500000e01947e132
   Maximum IO Size: 4194304
"""

# ---- esxcli-storage-multipath.md §4 [V] (6.0/6.5 session, prompt as published)
RR_CONFIG_65 = """\
[root@macm:~] esxcli storage nmp psp roundrobin deviceconfig get -d naa.600144f009d4d236000056918f920002
   Byte Limit: 10485760
   Device: naa.600144f009d4d236000056918f920002
   IOOperation Limit: 1000
   Limit Type: Default
   Use Active Unoptimized Paths: false
"""  # noqa: E501

# ---- vmkping.md §3a, §3c, §3d [V] (ESXi 9.0 session; Hyperflex-Hypercheck #18; VCF9-notes)
VMKPING_OK = """\
PING 172.30.30.176 (172.30.30.176): 56 data bytes
64 bytes from 172.30.30.176: icmp_seq=0 ttl=64 time=0.282 ms
64 bytes from 172.30.30.176: icmp_seq=1 ttl=64 time=0.052 ms
64 bytes from 172.30.30.176: icmp_seq=2 ttl=64 time=0.058 ms

--- 172.30.30.176 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.052/0.131/0.282 ms

"""
VMKPING_LOST = """\
PING 10.100.208.3 (10.100.208.3): 8972 data bytes

--- 10.100.208.3 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
"""
VMKPING_TOO_LONG = """\
PING 192.168.6.1 (192.168.6.1): 1500 data bytes
sendto() failed (Message too long)
sendto() failed (Message too long)
sendto() failed (Message too long)

--- 192.168.6.1 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss

"""

# ---- esxcli-storage-multipath.md §6: `esxcfg-advcfg -g` line, format [V] (Huawei test lib, for
# /DataMover/MaxHWTransferSize), this option's name in it [R]
ADVCFG_PSP_LATENCY = "Value of EnablePSPLatencyPolicy is 1\n"
