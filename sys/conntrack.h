/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys/conntrack.h: the conntrack part of the C shim (sys/conntrack.c), for net/conntrack.rs.
 * nf_conntrack's structs stay opaque to Rust: every field read or write, macro and static
 * inline is one function here, with no logic of its own. Upstream counterpart: the
 * nf_conntrack calls of net/openvswitch/conntrack.c.
 */
#ifndef OVS_RS_CONNTRACK_H
#define OVS_RS_CONNTRACK_H

#include <linux/types.h>

struct net;
struct sk_buff;
struct nf_conn;
struct nf_conntrack_helper;

/* Templates (nf_ct_tmpl_alloc() and what ovs_ct_copy_action() attaches to one). */
struct nf_conn *ovs_rs_ct_tmpl_alloc(struct net *net, u16 zone);
void ovs_rs_ct_tmpl_free(struct nf_conn *tmpl);
void ovs_rs_ct_tmpl_set_confirmed(struct nf_conn *tmpl);
int ovs_rs_ct_tmpl_add_helper(struct nf_conn *tmpl, const char *name, u8 family, u8 proto,
			      bool nat, struct nf_conntrack_helper **helper);
void ovs_rs_ct_helper_put(struct nf_conntrack_helper *helper, bool nat);
int ovs_rs_ct_tmpl_set_timeout(struct net *net, struct nf_conn *tmpl, u8 family, u8 proto,
			       const char *name);
void ovs_rs_ct_tmpl_destroy_timeout(struct nf_conn *tmpl);

/* The skb's connection (skb->_nfct). */
struct nf_conn *ovs_rs_skb_ct(const struct sk_buff *skb, u32 *ctinfo);
void ovs_rs_skb_ct_unset(struct sk_buff *skb, u32 ctinfo);
void ovs_rs_skb_ct_attach_template(struct sk_buff *skb, struct nf_conn *tmpl);
unsigned int ovs_rs_ct_in(struct net *net, struct sk_buff *skb, u8 family);
unsigned int ovs_rs_ct_confirm(struct sk_buff *skb);
int ovs_rs_ct_network_trim(struct sk_buff *skb, u8 family);
unsigned int ovs_rs_ct_nat(struct sk_buff *skb, struct nf_conn *ct, u32 ctinfo, int *action,
			   u32 flags, const u8 *min_addr, const u8 *max_addr, u16 min_proto,
			   u16 max_proto, bool commit);
unsigned int ovs_rs_ct_helper(struct sk_buff *skb, struct nf_conn *ct, u32 ctinfo, u8 family);
bool ovs_rs_ct_find_existing(struct net *net, u16 zone, u8 l3num, struct sk_buff *skb,
			     bool natted);
void ovs_rs_skb_pull_rcsum(struct sk_buff *skb, unsigned int len);
void ovs_rs_skb_push_rcsum(struct sk_buff *skb, unsigned int len);

/* A connection's fields, read at once. */
struct ovs_rs_ct_fields {
	u32 status;
	u32 mark;
	u16 zone;
	u8 l3num;
	u8 protonum;
	bool confirmed;
	bool has_labels;
	u8 labels[16];
	/* The original direction's tuple. */
	u8 orig_src[16];
	u8 orig_dst[16];
	__be16 orig_src_port;
	__be16 orig_dst_port;
	u8 orig_icmp_type;
	u8 orig_icmp_code;
};

void ovs_rs_ct_fields(const struct nf_conn *ct, struct ovs_rs_ct_fields *out);
bool ovs_rs_ct_confirmed(const struct nf_conn *ct);
u32 ovs_rs_ct_mark(const struct nf_conn *ct);
struct nf_conn *ovs_rs_ct_master(const struct nf_conn *ct);
bool ovs_rs_ct_shared(const struct nf_conn *ct);
bool ovs_rs_ct_in_net(const struct nf_conn *ct, const struct net *net);
bool ovs_rs_ct_zone_equal(const struct nf_conn *tmpl, const struct nf_conn *ct);
const void *ovs_rs_ct_helper_of(const struct nf_conn *ct);
const void *ovs_rs_ct_timeout_of(const struct nf_conn *ct);
bool ovs_rs_ct_tcp_established(const struct nf_conn *ct);

/* Changes to a connection. */
void ovs_rs_ct_write_mark(struct nf_conn *ct, u32 mark);
void ovs_rs_ct_event_mark(struct nf_conn *ct);
void ovs_rs_ct_event_label(struct nf_conn *ct);
bool ovs_rs_ct_labels_ensure(struct nf_conn *ct);
void ovs_rs_ct_labels_write(struct nf_conn *ct, const u8 *labels);
int ovs_rs_ct_labels_replace(struct nf_conn *ct, const u32 *labels, const u32 *mask);
void ovs_rs_ct_set_eventmask(struct nf_conn *ct, u32 mask);
int ovs_rs_ct_try_assign_helper(struct nf_conn *ct, struct nf_conn *tmpl);
bool ovs_rs_ct_has_help(const struct nf_conn *ct);
bool ovs_rs_ct_ensure_seqadj(struct nf_conn *ct);
void ovs_rs_ct_set_tcp_be_liberal(struct nf_conn *ct);
void ovs_rs_ct_deliver_cached_events(struct nf_conn *ct);
void ovs_rs_ct_delete(struct nf_conn *ct);
void ovs_rs_ct_put(struct nf_conn *ct);

/* Per network namespace. */
int ovs_rs_ct_labels_get(struct net *net);
void ovs_rs_ct_labels_put(struct net *net);

/*
 * Connection counting per zone, for ovs_ct_limit (nf_conncount, keyed by the zone id).
 * Without CONFIG_NETFILTER_CONNCOUNT, _init fails with -EOPNOTSUPP and upstream has no
 * ovs_ct_limit family either.
 */
struct nf_conncount_data;
bool ovs_rs_conncount_supported(void);
struct nf_conncount_data *ovs_rs_conncount_init(struct net *net, int *err);
void ovs_rs_conncount_destroy(struct net *net, struct nf_conncount_data *data);
unsigned int ovs_rs_conncount_count(struct net *net, const struct sk_buff *skb, u8 l3num,
				    struct nf_conncount_data *data, u16 zone);

/* Upstream conntrack.c's log lines, which it prints without the module prefix. */
void ovs_rs_ct_log_netlink(const char *msg);
void ovs_rs_ct_log_zone_limit_rest(const char *cmd, int rem);
void ovs_rs_ct_log_zone_over_limit(u16 zone);

/* Verdicts and ctinfo values. */
#define OVS_RS_NF_DROP 0
#define OVS_RS_NF_ACCEPT 1
#define OVS_RS_NF_STOLEN 2
#define OVS_RS_NF_VERDICT_MASK 0xff

#endif
