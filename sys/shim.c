// SPDX-License-Identifier: GPL-2.0
/*
 * sys/shim.c: C shim for the kernel static inlines and macros that openvswitch_rs calls.
 * Every function is a thin wrapper; logic lives in Rust. Upstream counterpart: none (the
 * C datapath calls these inlines directly).
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/dst.h>
#include <net/gso.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/xfrm.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "shim.h"

struct sk_buff *ovs_rs_genlmsg_new(size_t payload)
{
	return genlmsg_new(payload, GFP_KERNEL);
}

void ovs_rs_nlmsg_free(struct sk_buff *skb)
{
	nlmsg_free(skb);
}

void ovs_rs_genlmsg_end(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
}

void ovs_rs_genlmsg_cancel(struct sk_buff *skb, void *hdr)
{
	genlmsg_cancel(skb, hdr);
}

int ovs_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

void *ovs_rs_genlmsg_put_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	return genlmsg_put_reply(skb, info, info->family, 0, cmd);
}

void *ovs_rs_genlmsg_put_dump(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   genl_info_dump(cb)->family, NLM_F_MULTI, cmd);
}

unsigned int ovs_rs_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

unsigned int ovs_rs_skb_tailroom(const struct sk_buff *skb)
{
	return skb_tailroom(skb);
}

struct net *ovs_rs_genl_info_net(const struct genl_info *info)
{
	return genl_info_net(info);
}

void *ovs_rs_genl_info_userhdr(const struct genl_info *info)
{
	return genl_info_userhdr(info);
}

struct net *ovs_rs_cb_net(const struct netlink_callback *cb)
{
	return sock_net(cb->skb->sk);
}

unsigned int ovs_rs_cb_hdrsize(const struct netlink_callback *cb)
{
	/* genl_info_dump() only reads cb->ctx, but takes a non-const pointer. */
	return genl_info_dump((struct netlink_callback *)cb)->family->hdrsize;
}

const void *ovs_rs_cb_userhdr(const struct netlink_callback *cb, unsigned int hdrsize)
{
	/* Dump requests are not policy-checked for the user header length; do it here. */
	if (nlmsg_len(cb->nlh) < GENL_HDRLEN + hdrsize)
		return NULL;
	return (const u8 *)nlmsg_data(cb->nlh) + GENL_HDRLEN;
}

/* The attributes of a dump request (after the genl and user headers), and their length. */
const void *ovs_rs_cb_attrs(const struct netlink_callback *cb, unsigned int hdrsize,
			    unsigned int *len)
{
	int total = nlmsg_len(cb->nlh) - GENL_HDRLEN - (int)NLA_ALIGN(hdrsize);

	if (total <= 0) {
		*len = 0;
		return NULL;
	}
	*len = total;
	return (const u8 *)nlmsg_data(cb->nlh) + GENL_HDRLEN + NLA_ALIGN(hdrsize);
}

void ovs_rs_extack_set_msg(struct netlink_ext_ack *extack, const char *msg)
{
	/*
	 * NL_SET_ERR_MSG() wants a string literal; this is its body for a static string from
	 * Rust (extack keeps the pointer, so msg must outlive the request).
	 */
	do_trace_netlink_extack(msg);
	if (extack)
		extack->_msg = msg;
}

void ovs_rs_genl_info_set_bad_attr(struct genl_info *info, unsigned int attr)
{
	/*
	 * info->attrs has family->maxattr + 1 entries. A rejection may name an attribute of a
	 * nested stream (a key or action attribute), whose number can exceed that: such a
	 * number is not an index into this table (found by the R2 genetlink fuzzer).
	 */
	if (!info->attrs || attr > info->family->maxattr)
		return;
	if (info->attrs[attr])
		NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
}

/* ---- Locks: the one datapath mutex (upstream's ovs_mutex), RCU, RTNL ---- */

static DEFINE_MUTEX(ovs_rs_mutex);

void ovs_rs_lock(void)
{
	mutex_lock(&ovs_rs_mutex);
}

void ovs_rs_unlock(void)
{
	mutex_unlock(&ovs_rs_mutex);
}

void ovs_rs_rcu_read_lock(void)
{
	rcu_read_lock();
}

void ovs_rs_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

/* ---- Per-CPU u64 counters ---- */

/* Rust sees the per-CPU pointer as an opaque u64 *; only these functions use it. */
u64 *ovs_rs_percpu_alloc(unsigned int n)
{
	return (u64 __force *)__alloc_percpu(n * sizeof(u64), sizeof(u64));
}

void ovs_rs_percpu_free(u64 *p)
{
	free_percpu((u64 __percpu __force *)p);
}

void ovs_rs_percpu_add(u64 *p, unsigned int idx, u64 v)
{
	u64 __percpu *pc = (u64 __percpu __force *)p;

	this_cpu_add(pc[idx], v);
}

u64 ovs_rs_percpu_sum(u64 *p, unsigned int idx)
{
	u64 __percpu *pc = (u64 __percpu __force *)p;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(pc, cpu)[idx];
	return sum;
}

/* ---- net_device ---- */

void ovs_rs_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void ovs_rs_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

int ovs_rs_dev_ifindex(const struct net_device *dev)
{
	return dev->ifindex;
}

const char *ovs_rs_dev_name(const struct net_device *dev)
{
	return dev->name;
}

struct net *ovs_rs_dev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

unsigned int ovs_rs_dev_mtu(const struct net_device *dev)
{
	return READ_ONCE(dev->mtu);
}

bool ovs_rs_dev_is_up(const struct net_device *dev)
{
	return dev->flags & IFF_UP;
}

/* What upstream's ovs_netdev_link() refuses before touching the device. */
bool ovs_rs_dev_can_be_port(const struct net_device *dev)
{
	return !(dev->flags & IFF_LOOPBACK) &&
	       (dev->type == ARPHRD_ETHER || dev->type == ARPHRD_NONE) &&
	       !(dev->priv_flags & IFF_OPENVSWITCH);
}

bool ovs_rs_dev_has_rx_handler(const struct net_device *dev, rx_handler_func_t *handler)
{
	/* openvswitch.ko sets IFF_OVS_DATAPATH too; only the handler is ours alone. */
	return netif_is_ovs_port(dev) &&
	       rcu_access_pointer(dev->rx_handler) == handler;
}

bool ovs_rs_dev_is_unregistering(const struct net_device *dev)
{
	return dev->reg_state >= NETREG_UNREGISTERING;
}

void ovs_rs_dev_set_ovs_port(struct net_device *dev, bool on)
{
	ASSERT_RTNL();
	if (on) {
		dev->priv_flags |= IFF_OVS_DATAPATH;
	} else {
		/* Paired with the read in the notify work, as upstream's smp_wmb(). */
		smp_wmb();
		dev->priv_flags &= ~IFF_OVS_DATAPATH;
	}
}

/* Under RCU (the rx handler) or RTNL (detaching). */
void *ovs_rs_dev_rx_handler_data(const struct net_device *dev)
{
	return rcu_dereference_rtnl(dev->rx_handler_data);
}

void ovs_rs_dev_get_stats(struct net_device *dev, u64 out[8])
{
	struct rtnl_link_stats64 s;

	dev_get_stats(dev, &s);
	/* The order of struct ovs_vport_stats; rx and tx swap for the datapath's view. */
	out[0] = s.rx_packets;
	out[1] = s.tx_packets;
	out[2] = s.rx_bytes;
	out[3] = s.tx_bytes;
	out[4] = s.rx_errors;
	out[5] = s.tx_errors;
	out[6] = s.rx_dropped;
	out[7] = s.tx_dropped;
}

struct net_device *ovs_rs_dev_master(struct net_device *dev)
{
	return netdev_master_upper_dev_get(dev);
}

/* ---- Internal devices: a net_device whose transmit enters the datapath ---- */

struct ovs_rs_internal_priv {
	const struct ovs_rs_internal_ops *ops;
	void *data;
};

static netdev_tx_t ovs_rs_internal_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ovs_rs_internal_priv *priv = netdev_priv(dev);
	unsigned int len = skb->len;
	int err;

	rcu_read_lock();
	err = priv->ops->xmit(priv->data, skb);
	rcu_read_unlock();
	if (likely(!err))
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		DEV_STATS_INC(dev, tx_errors);
	return NETDEV_TX_OK;
}

static int ovs_rs_internal_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int ovs_rs_internal_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static const struct net_device_ops ovs_rs_internal_netdev_ops = {
	.ndo_open = ovs_rs_internal_open,
	.ndo_stop = ovs_rs_internal_stop,
	.ndo_start_xmit = ovs_rs_internal_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void ovs_rs_internal_destructor(struct net_device *dev)
{
	struct ovs_rs_internal_priv *priv = netdev_priv(dev);

	priv->ops->release(priv->data);
}

/* Internal devices show as link kind "openvswitch", as upstream's. */
static struct rtnl_link_ops ovs_rs_internal_link_ops __read_mostly = {
	.kind = "openvswitch",
};

static void ovs_rs_internal_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->max_mtu = ETH_MAX_MTU;
	dev->netdev_ops = &ovs_rs_internal_netdev_ops;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_OPENVSWITCH | IFF_NO_QUEUE;
	dev->lltx = true;
	dev->needs_free_netdev = true;
	dev->rtnl_link_ops = &ovs_rs_internal_link_ops;
	dev->features = NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA |
			NETIF_F_HW_CSUM | NETIF_F_GSO_SOFTWARE | NETIF_F_GSO_ENCAP_ALL;
	dev->vlan_features = dev->features;
	dev->hw_enc_features = dev->features;
	dev->features |= NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX;
	dev->hw_features = dev->features;
	eth_hw_addr_random(dev);
}

/*
 * Creates and registers an internal device in @net, with ifindex @ifindex (0: any).
 * On success @data belongs to the device: ops->release(data) runs when the device is
 * freed, after unregistration.
 * Takes RTNL itself; returns an ERR_PTR on failure (and @data is not released).
 */
struct net_device *ovs_rs_internal_dev_create(struct net *net, const char *name,
					      int ifindex, bool netns_immutable,
					      const struct ovs_rs_internal_ops *ops,
					      void *data)
{
	struct ovs_rs_internal_priv *priv;
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(*priv), name, NET_NAME_USER, ovs_rs_internal_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev_net_set(dev, net);
	/* 0: register_netdevice() picks one; taken: it fails with -EBUSY. */
	dev->ifindex = ifindex;
	dev->netns_immutable = netns_immutable;
	priv = netdev_priv(dev);
	priv->ops = ops;
	priv->data = data;

	rtnl_lock();
	err = register_netdevice(dev);
	if (err) {
		rtnl_unlock();
		free_netdev(dev);
		return ERR_PTR(err);
	}
	dev->priv_destructor = ovs_rs_internal_destructor;
	dev_set_promiscuity(dev, 1);
	rtnl_unlock();
	netif_start_queue(dev);
	return dev;
}

bool ovs_rs_dev_is_internal(const struct net_device *dev)
{
	return dev->netdev_ops == &ovs_rs_internal_netdev_ops;
}

/* A packet from the datapath to the host stack through an internal device. */
void ovs_rs_internal_dev_recv(struct net_device *dev, struct sk_buff *skb)
{
	if (unlikely(!(dev->flags & IFF_UP))) {
		kfree_skb(skb);
		DEV_STATS_INC(dev, rx_dropped);
		return;
	}
	skb->dev = dev;
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	secpath_reset(skb);
	skb->pkt_type = PACKET_HOST;
	skb->protocol = eth_type_trans(skb, dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	dev_sw_netstats_rx_add(dev, skb->len);
	netif_rx(skb);
}

/* ---- sk_buff ---- */

const u8 *ovs_rs_skb_data(const struct sk_buff *skb)
{
	return skb->data;
}

unsigned int ovs_rs_skb_headlen(const struct sk_buff *skb)
{
	return skb_headlen(skb);
}

bool ovs_rs_skb_may_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len);
}

void ovs_rs_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

struct sk_buff *ovs_rs_skb_share_check(struct sk_buff *skb)
{
	return skb_share_check(skb, GFP_ATOMIC);
}

struct sk_buff *ovs_rs_skb_clone(struct sk_buff *skb)
{
	return skb_clone(skb, GFP_ATOMIC);
}

bool ovs_rs_skb_is_loopback(const struct sk_buff *skb)
{
	return skb->pkt_type == PACKET_LOOPBACK;
}

bool ovs_rs_skb_dev_is_ether(const struct sk_buff *skb)
{
	return skb->dev->type == ARPHRD_ETHER;
}

void ovs_rs_skb_push_eth(struct sk_buff *skb)
{
	skb_push_rcsum(skb, ETH_HLEN);
}

struct ovs_rs_skb_meta ovs_rs_skb_meta(const struct sk_buff *skb)
{
	struct ovs_rs_skb_meta m = {
		.priority = skb->priority,
		.mark = skb->mark,
		.vlan_present = skb_vlan_tag_present(skb),
		.vlan_tpid = ntohs(skb->vlan_proto),
		.vlan_tci = skb_vlan_tag_get(skb),
		.ip_summed = skb->ip_summed,
		.csum = (__force u32)skb->csum,
		.hash = skb->hash,
		.sw_hash = skb->sw_hash,
		.l4_hash = skb->l4_hash,
	};
	return m;
}

void ovs_rs_skb_set_meta(struct sk_buff *skb, u32 priority, u32 mark)
{
	skb->priority = priority;
	skb->mark = mark;
}

void ovs_rs_skb_set_csum(struct sk_buff *skb, u32 csum)
{
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->csum = (__force __wsum)csum;
}

u32 ovs_rs_skb_get_hash(struct sk_buff *skb, bool symmetric)
{
	return symmetric ? __skb_get_hash_symmetric(skb) : skb_get_hash(skb);
}

u8 *ovs_rs_skb_writable(struct sk_buff *skb, unsigned int len)
{
	if (skb_ensure_writable(skb, len))
		return NULL;
	return skb->data;
}

int ovs_rs_skb_vlan_push(struct sk_buff *skb, u16 tpid, u16 tci)
{
	return skb_vlan_push(skb, htons(tpid), tci);
}

/* Sends @skb out of @dev as upstream's ovs_vport_send() does for an Ethernet device. */
void ovs_rs_dev_xmit(struct net_device *dev, struct sk_buff *skb)
{
	unsigned int len = skb->len - ETH_HLEN;

	if (skb_vlan_tagged(skb))
		len -= VLAN_HLEN;
	if (unlikely(len > READ_ONCE(dev->mtu) && !skb_is_gso(skb))) {
		DEV_STATS_INC(dev, tx_errors);
		if (dev->flags & IFF_UP)
			net_warn_ratelimited("%s: dropped over-mtu packet: %d > %d\n",
					     dev->name, len, dev->mtu);
		kfree_skb(skb);
		return;
	}
	skb->dev = dev;
	skb_clear_tstamp(skb);
	dev_queue_xmit(skb);
}

struct sk_buff *ovs_rs_packet_skb(const u8 *data, unsigned int len)
{
	struct sk_buff *skb = __dev_alloc_skb(NET_IP_ALIGN + len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_reserve(skb, NET_IP_ALIGN);
	skb_put_data(skb, data, len);
	skb_reset_mac_header(skb);
	return skb;
}

void ovs_rs_skb_set_protocol_from_frame(struct sk_buff *skb, u16 proto)
{
	skb->protocol = htons(proto);
	skb_reset_mac_header(skb);
}

void ovs_rs_skb_set_dev(struct sk_buff *skb, struct net_device *dev)
{
	skb->dev = dev;
}

/* Upstream's OVS_NLERR(): a request-triggered message, rate limited. */
void ovs_rs_net_info_ratelimited(const char *msg)
{
	net_info_ratelimited("openvswitch: %s\n", msg);
}

/* ---- Messages to userspace ---- */

struct sk_buff *ovs_rs_genlmsg_new_atomic(size_t payload)
{
	return genlmsg_new(payload, GFP_ATOMIC);
}

int ovs_rs_genlmsg_unicast(struct net *net, struct sk_buff *skb, u32 portid)
{
	return genlmsg_unicast(net, skb, portid);
}

void ovs_rs_genl_notify(const struct genl_family *family, struct sk_buff *skb,
			struct genl_info *info)
{
	genl_notify(family, skb, info, 0, GFP_KERNEL);
}

void ovs_rs_genl_multicast(const struct genl_family *family, struct net *net,
			   struct sk_buff *skb)
{
	genlmsg_multicast_netns(family, net, skb, 0, 0, GFP_KERNEL);
}

u32 ovs_rs_genl_info_portid(const struct genl_info *info)
{
	return info->snd_portid;
}

u16 ovs_rs_genl_info_nlflags(const struct genl_info *info)
{
	return info->nlhdr->nlmsg_flags;
}

u8 *ovs_rs_skb_tail(struct sk_buff *skb)
{
	return skb_tail_pointer(skb);
}

/* ---- Netdevice events, netns exit and the deferred detach work ---- */

static const struct ovs_rs_events *ovs_rs_events;

static int ovs_rs_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER)
		ovs_rs_events->dev_unregister(dev);
	return NOTIFY_DONE;
}

static struct notifier_block ovs_rs_netdev_notifier = {
	.notifier_call = ovs_rs_netdev_event,
};

static void ovs_rs_net_pre_exit(struct net *net)
{
	ovs_rs_events->net_exit(net);
}

static struct pernet_operations ovs_rs_net_ops = {
	.pre_exit = ovs_rs_net_pre_exit,
};

static void ovs_rs_work_fn(struct work_struct *work)
{
	ovs_rs_events->deferred_work();
}

static DECLARE_WORK(ovs_rs_work, ovs_rs_work_fn);

int ovs_rs_events_register(const struct ovs_rs_events *events)
{
	int err;

	ovs_rs_events = events;
	err = rtnl_link_register(&ovs_rs_internal_link_ops);
	if (err)
		return err;
	err = register_pernet_device(&ovs_rs_net_ops);
	if (err) {
		rtnl_link_unregister(&ovs_rs_internal_link_ops);
		return err;
	}
	err = register_netdevice_notifier(&ovs_rs_netdev_notifier);
	if (err) {
		unregister_pernet_device(&ovs_rs_net_ops);
		rtnl_link_unregister(&ovs_rs_internal_link_ops);
		return err;
	}
	ovs_rs_rebalance_start();
	return 0;
}

void ovs_rs_events_unregister(void)
{
	ovs_rs_rebalance_stop();
	unregister_netdevice_notifier(&ovs_rs_netdev_notifier);
	unregister_pernet_device(&ovs_rs_net_ops);
	cancel_work_sync(&ovs_rs_work);
	rtnl_link_unregister(&ovs_rs_internal_link_ops);
}

void ovs_rs_schedule_work(void)
{
	schedule_work(&ovs_rs_work);
}

/* ---- Time ---- */

unsigned long ovs_rs_jiffies(void)
{
	return jiffies;
}

/* Upstream's ovs_flow_used_time(): the wall-clock-ish msecs of a jiffies timestamp. */
u64 ovs_rs_used_msecs(unsigned long used)
{
	struct timespec64 now;
	u64 now_ms, idle_ms;

	ktime_get_ts64(&now);
	idle_ms = jiffies_to_msecs(jiffies - used);
	now_ms = (u64)(u32)now.tv_sec * MSEC_PER_SEC + now.tv_nsec / NSEC_PER_MSEC;
	return now_ms - idle_ms;
}

unsigned int ovs_rs_cpu(void)
{
	return raw_smp_processor_id();
}

int ovs_rs_skb_trim(struct sk_buff *skb, unsigned int len)
{
	return pskb_trim(skb, len);
}

unsigned int ovs_rs_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

void ovs_rs_local_bh_disable(void)
{
	local_bh_disable();
}

void ovs_rs_local_bh_enable(void)
{
	local_bh_enable();
}

struct net_device *ovs_rs_skb_dev(const struct sk_buff *skb)
{
	return skb->dev;
}

/* ---- Per-CPU u64 arrays read and written by the owning CPU (mask cache) ---- */

u64 ovs_rs_percpu_this_get(u64 *p, unsigned int idx)
{
	u64 __percpu *pc = (u64 __percpu __force *)p;

	return this_cpu_read(pc[idx]);
}

void ovs_rs_percpu_this_set(u64 *p, unsigned int idx, u64 v)
{
	u64 __percpu *pc = (u64 __percpu __force *)p;

	this_cpu_write(pc[idx], v);
}

/* ---- Periodic mask re-sort (upstream's DP_MASKS_REBALANCE_INTERVAL) ---- */

#define OVS_RS_REBALANCE_MS 4000

static void ovs_rs_rebalance_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ovs_rs_rebalance_work, ovs_rs_rebalance_fn);

static void ovs_rs_rebalance_fn(struct work_struct *work)
{
	ovs_rs_events->rebalance();
	schedule_delayed_work(&ovs_rs_rebalance_work, msecs_to_jiffies(OVS_RS_REBALANCE_MS));
}

void ovs_rs_rebalance_start(void)
{
	schedule_delayed_work(&ovs_rs_rebalance_work, msecs_to_jiffies(OVS_RS_REBALANCE_MS));
}

void ovs_rs_rebalance_stop(void)
{
	cancel_delayed_work_sync(&ovs_rs_rebalance_work);
}

bool ovs_rs_genl_must_notify(const struct genl_info *info)
{
	return (info->nlhdr->nlmsg_flags & NLM_F_ECHO) ||
	       genl_has_listeners(info->family, genl_info_net(info), 0);
}

void ovs_rs_skb_clear_hash(struct sk_buff *skb)
{
	skb_clear_hash(skb);
}

/*
 * For an upcall of a packet whose VLAN tag the stack keeps out of band: a clone with the
 * tag back inside the frame (upstream's queue_userspace_packet()). NULL without memory.
 */
struct sk_buff *ovs_rs_skb_clone_vlan_inside(struct sk_buff *skb)
{
	struct sk_buff *nskb = skb_clone(skb, GFP_ATOMIC);

	if (!nskb)
		return NULL;
	return __vlan_hwaccel_push_inside(nskb);
}

bool ovs_rs_skb_vlan_present(const struct sk_buff *skb)
{
	return skb_vlan_tag_present(skb);
}

/* The id of @dev's namespace as seen from @net, or -1 if it is @net itself. */
int ovs_rs_dev_peernet_id(struct net *net, struct net_device *dev)
{
	struct net *dev_ns;
	int id = -1;

	rcu_read_lock();
	dev_ns = dev_net_rcu(dev);
	if (!net_eq(net, dev_ns))
		id = peernet2id_alloc(net, dev_ns, GFP_ATOMIC);
	rcu_read_unlock();
	return id;
}

/* ---- GSO, checksums and the headers of executed packets ---- */

bool ovs_rs_skb_is_gso(const struct sk_buff *skb)
{
	return skb_is_gso(skb);
}

/* Whether @skb is a UDP fragmentation offload skb (SKB_GSO_UDP): its segments are IP fragments. */
bool ovs_rs_skb_gso_udp(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->gso_type & SKB_GSO_UDP;
}

/*
 * __skb_gso_segment(@skb, NETIF_F_SG, false), as upstream's queue_gso_packets() calls it: the
 * list of segments, or NULL with the error in @err (0 if the kernel returned no list).
 */
struct sk_buff *ovs_rs_skb_gso_segment(struct sk_buff *skb, int *err)
{
	struct sk_buff *segs = __skb_gso_segment(skb, NETIF_F_SG, false);

	if (IS_ERR(segs)) {
		*err = PTR_ERR(segs);
		return NULL;
	}
	*err = 0;
	return segs;
}

/* Takes the first skb off the list at @list (NULL when empty), unlinked. */
struct sk_buff *ovs_rs_skb_list_pop(struct sk_buff **list)
{
	struct sk_buff *skb = *list;

	if (skb) {
		*list = skb->next;
		skb_mark_not_on_list(skb);
	}
	return skb;
}

void ovs_rs_skb_set_hash(struct sk_buff *skb, u32 hash, bool sw, bool l4)
{
	__skb_set_hash(skb, hash, sw, l4);
}

void ovs_rs_skb_set_ignore_df(struct sk_buff *skb)
{
	skb->ignore_df = 1;
}

/* The network header at @offset from skb->data (the MAC header), and mac_len to match. */
void ovs_rs_skb_set_network_header(struct sk_buff *skb, unsigned int offset)
{
	skb_set_network_header(skb, offset);
	skb_reset_mac_len(skb);
}

void ovs_rs_skb_set_transport_header(struct sk_buff *skb, unsigned int offset)
{
	skb_set_transport_header(skb, offset);
}
