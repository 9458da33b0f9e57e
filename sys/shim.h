/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys/shim.h: prototypes of the C shim (sys/shim.c), which gives Rust a callable symbol for
 * kernel static inlines and macros. Read by bindgen and by shim.c itself (the kernel builds
 * with -Werror=missing-prototypes).
 */
#ifndef OVS_RS_SHIM_H
#define OVS_RS_SHIM_H

#include <linux/types.h>

struct sk_buff;
struct genl_info;
struct genl_family;
struct netlink_callback;
struct netlink_ext_ack;
struct net;

struct sk_buff *ovs_rs_genlmsg_new(size_t payload);
void ovs_rs_nlmsg_free(struct sk_buff *skb);
void ovs_rs_genlmsg_end(struct sk_buff *skb, void *hdr);
void ovs_rs_genlmsg_cancel(struct sk_buff *skb, void *hdr);
int ovs_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info);
void *ovs_rs_genlmsg_put_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd);
void *ovs_rs_genlmsg_put_dump(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);
unsigned int ovs_rs_skb_len(const struct sk_buff *skb);
unsigned int ovs_rs_skb_tailroom(const struct sk_buff *skb);
struct net *ovs_rs_genl_info_net(const struct genl_info *info);
void *ovs_rs_genl_info_userhdr(const struct genl_info *info);
struct net *ovs_rs_cb_net(const struct netlink_callback *cb);
unsigned int ovs_rs_cb_hdrsize(const struct netlink_callback *cb);
const void *ovs_rs_cb_userhdr(const struct netlink_callback *cb, unsigned int hdrsize);
void ovs_rs_extack_set_msg(struct netlink_ext_ack *extack, const char *msg);
void ovs_rs_genl_info_set_bad_attr(struct genl_info *info, unsigned int attr);

struct net_device;

/* Callbacks from an internal device into Rust (sys/shim.c owns the net_device_ops). */
struct ovs_rs_internal_ops {
	int (*xmit)(void *data, struct sk_buff *skb);
	void (*release)(void *data);
};

/* Callbacks from kernel events into Rust. */
struct ovs_rs_events {
	/* NETDEV_UNREGISTER, under RTNL. */
	void (*dev_unregister)(struct net_device *dev);
	/* A network namespace is going away (pernet pre_exit). */
	void (*net_exit)(struct net *net);
	/* The work scheduled by ovs_rs_schedule_work(), in process context. */
	void (*deferred_work)(void);
	/* Every few seconds while registered: re-sort masks (process context). */
	void (*rebalance)(void);
};

/* The packet metadata the flow key and the actions need. */
struct ovs_rs_skb_meta {
	u32 priority;
	u32 mark;
	bool vlan_present;
	u16 vlan_tpid;
	u16 vlan_tci;
	u8 ip_summed;
	u32 csum;
	u32 hash;
	bool sw_hash;
	bool l4_hash;
};

void ovs_rs_lock(void);
void ovs_rs_unlock(void);
void ovs_rs_rcu_read_lock(void);
void ovs_rs_rcu_read_unlock(void);

u64 *ovs_rs_percpu_alloc(unsigned int n);
void ovs_rs_percpu_free(u64 *p);
void ovs_rs_percpu_add(u64 *p, unsigned int idx, u64 v);
u64 ovs_rs_percpu_sum(u64 *p, unsigned int idx);

void ovs_rs_dev_hold(struct net_device *dev);
void ovs_rs_dev_put(struct net_device *dev);
int ovs_rs_dev_ifindex(const struct net_device *dev);
const char *ovs_rs_dev_name(const struct net_device *dev);
struct net *ovs_rs_dev_net(const struct net_device *dev);
unsigned int ovs_rs_dev_mtu(const struct net_device *dev);
bool ovs_rs_dev_is_up(const struct net_device *dev);
bool ovs_rs_dev_can_be_port(const struct net_device *dev);
bool ovs_rs_dev_has_rx_handler(const struct net_device *dev, rx_handler_func_t *handler);
bool ovs_rs_dev_is_unregistering(const struct net_device *dev);
void ovs_rs_dev_set_ovs_port(struct net_device *dev, bool on);
void *ovs_rs_dev_rx_handler_data(const struct net_device *dev);
void ovs_rs_dev_get_stats(struct net_device *dev, u64 out[8]);
struct net_device *ovs_rs_dev_master(struct net_device *dev);

struct net_device *ovs_rs_internal_dev_create(struct net *net, const char *name,
					      int ifindex, bool netns_immutable,
					      const struct ovs_rs_internal_ops *ops,
					      void *data);
bool ovs_rs_dev_is_internal(const struct net_device *dev);
void ovs_rs_internal_dev_recv(struct net_device *dev, struct sk_buff *skb);

const u8 *ovs_rs_skb_data(const struct sk_buff *skb);
unsigned int ovs_rs_skb_headlen(const struct sk_buff *skb);
bool ovs_rs_skb_may_pull(struct sk_buff *skb, unsigned int len);
void ovs_rs_kfree_skb(struct sk_buff *skb);
struct sk_buff *ovs_rs_skb_share_check(struct sk_buff *skb);
struct sk_buff *ovs_rs_skb_clone(struct sk_buff *skb);
bool ovs_rs_skb_is_loopback(const struct sk_buff *skb);
bool ovs_rs_skb_dev_is_ether(const struct sk_buff *skb);
void ovs_rs_skb_push_eth(struct sk_buff *skb);
struct ovs_rs_skb_meta ovs_rs_skb_meta(const struct sk_buff *skb);
void ovs_rs_skb_set_meta(struct sk_buff *skb, u32 priority, u32 mark);
void ovs_rs_skb_set_csum(struct sk_buff *skb, u32 csum);
u32 ovs_rs_skb_get_hash(struct sk_buff *skb, bool symmetric);
u8 *ovs_rs_skb_writable(struct sk_buff *skb, unsigned int len);
int ovs_rs_skb_vlan_push(struct sk_buff *skb, u16 tpid, u16 tci);
void ovs_rs_dev_xmit(struct net_device *dev, struct sk_buff *skb);
struct sk_buff *ovs_rs_packet_skb(const u8 *data, unsigned int len);
void ovs_rs_skb_set_protocol_from_frame(struct sk_buff *skb, u16 proto);
void ovs_rs_skb_set_dev(struct sk_buff *skb, struct net_device *dev);
void ovs_rs_net_info_ratelimited(const char *msg);

struct sk_buff *ovs_rs_genlmsg_new_atomic(size_t payload);
int ovs_rs_genlmsg_unicast(struct net *net, struct sk_buff *skb, u32 portid);
void ovs_rs_genl_notify(const struct genl_family *family, struct sk_buff *skb,
			struct genl_info *info);
void ovs_rs_genl_multicast(const struct genl_family *family, struct net *net,
			   struct sk_buff *skb);
u32 ovs_rs_genl_info_portid(const struct genl_info *info);
u16 ovs_rs_genl_info_nlflags(const struct genl_info *info);
u8 *ovs_rs_skb_tail(struct sk_buff *skb);

int ovs_rs_events_register(const struct ovs_rs_events *events);
void ovs_rs_events_unregister(void);
void ovs_rs_schedule_work(void);

unsigned long ovs_rs_jiffies(void);
u64 ovs_rs_used_msecs(unsigned long used);
unsigned int ovs_rs_cpu(void);
int ovs_rs_skb_trim(struct sk_buff *skb, unsigned int len);
unsigned int ovs_rs_nr_cpu_ids(void);
void ovs_rs_local_bh_disable(void);
void ovs_rs_local_bh_enable(void);
struct net_device *ovs_rs_skb_dev(const struct sk_buff *skb);
u64 ovs_rs_percpu_this_get(u64 *p, unsigned int idx);
void ovs_rs_percpu_this_set(u64 *p, unsigned int idx, u64 v);
void ovs_rs_rebalance_start(void);
void ovs_rs_rebalance_stop(void);
bool ovs_rs_genl_must_notify(const struct genl_info *info);
void ovs_rs_skb_clear_hash(struct sk_buff *skb);
const void *ovs_rs_cb_attrs(const struct netlink_callback *cb, unsigned int hdrsize,
			    unsigned int *len);
struct sk_buff *ovs_rs_skb_clone_vlan_inside(struct sk_buff *skb);
bool ovs_rs_skb_vlan_present(const struct sk_buff *skb);
int ovs_rs_dev_peernet_id(struct net *net, struct net_device *dev);

bool ovs_rs_skb_is_gso(const struct sk_buff *skb);
bool ovs_rs_skb_gso_udp(const struct sk_buff *skb);
struct sk_buff *ovs_rs_skb_gso_segment(struct sk_buff *skb, int *err);
struct sk_buff *ovs_rs_skb_list_pop(struct sk_buff **list);
void ovs_rs_skb_set_hash(struct sk_buff *skb, u32 hash, bool sw, bool l4);
void ovs_rs_skb_set_ignore_df(struct sk_buff *skb);
void ovs_rs_skb_set_network_header(struct sk_buff *skb, unsigned int offset);
void ovs_rs_skb_set_transport_header(struct sk_buff *skb, unsigned int offset);

#endif
