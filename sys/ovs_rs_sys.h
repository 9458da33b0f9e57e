/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys/ovs_rs_sys.h: bindgen input. Everything openvswitch_rs calls in C, beyond what the
 * `kernel` crate of 6.12 binds: netdev, skb, generic netlink, and the OVS uapi.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/openvswitch.h>
#include <uapi/linux/netfilter/nf_conntrack_common.h>

#include "shim.h"
#include "conntrack.h"
