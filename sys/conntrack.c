// SPDX-License-Identifier: GPL-2.0
/*
 * sys/conntrack.c: nf_conntrack's static inlines, macros and fields for net/conntrack.rs;
 * see conntrack.h. Upstream counterpart: the nf_conntrack calls of
 * net/openvswitch/conntrack.c.
 */
#include <linux/skbuff.h>
#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_count.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_labels.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_seqadj.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "conntrack.h"

static_assert(OVS_RS_NF_DROP == NF_DROP);
static_assert(OVS_RS_NF_ACCEPT == NF_ACCEPT);
static_assert(OVS_RS_NF_STOLEN == NF_STOLEN);
static_assert(OVS_RS_NF_VERDICT_MASK == NF_VERDICT_MASK);
static_assert(NF_CT_LABELS_MAX_SIZE >= 16);

struct nf_conn *ovs_rs_ct_tmpl_alloc(struct net *net, u16 zone_id)
{
	struct nf_conntrack_zone zone;

	nf_ct_zone_init(&zone, zone_id, NF_CT_DEFAULT_ZONE_DIR, 0);
	return nf_ct_tmpl_alloc(net, &zone, GFP_KERNEL);
}

void ovs_rs_ct_tmpl_free(struct nf_conn *tmpl)
{
	nf_ct_tmpl_free(tmpl);
}

void ovs_rs_ct_tmpl_set_confirmed(struct nf_conn *tmpl)
{
	__set_bit(IPS_CONFIRMED_BIT, &tmpl->status);
}

int ovs_rs_ct_tmpl_add_helper(struct nf_conn *tmpl, const char *name, u8 family, u8 proto,
			      bool nat, struct nf_conntrack_helper **helper)
{
	return nf_ct_add_helper(tmpl, name, family, proto, nat, helper);
}

void ovs_rs_ct_helper_put(struct nf_conntrack_helper *helper, bool nat)
{
	if (nat)
		nf_nat_helper_put(helper);
	nf_conntrack_helper_put(helper);
}

int ovs_rs_ct_tmpl_set_timeout(struct net *net, struct nf_conn *tmpl, u8 family, u8 proto,
			       const char *name)
{
	return nf_ct_set_timeout(net, tmpl, family, proto, name);
}

void ovs_rs_ct_tmpl_destroy_timeout(struct nf_conn *tmpl)
{
	nf_ct_destroy_timeout(tmpl);
}

struct nf_conn *ovs_rs_skb_ct(const struct sk_buff *skb, u32 *ctinfo)
{
	enum ip_conntrack_info info;
	struct nf_conn *ct = nf_ct_get(skb, &info);

	*ctinfo = info;
	return ct;
}

void ovs_rs_skb_ct_unset(struct sk_buff *skb, u32 ctinfo)
{
	enum ip_conntrack_info info;

	nf_ct_put(nf_ct_get(skb, &info));
	nf_ct_set(skb, NULL, ctinfo);
}

void ovs_rs_skb_ct_attach_template(struct sk_buff *skb, struct nf_conn *tmpl)
{
	enum ip_conntrack_info info;

	nf_ct_put(nf_ct_get(skb, &info));
	nf_conntrack_get(&tmpl->ct_general);
	nf_ct_set(skb, tmpl, IP_CT_NEW);
}

unsigned int ovs_rs_ct_in(struct net *net, struct sk_buff *skb, u8 family)
{
	struct nf_hook_state state = {
		.hook = NF_INET_PRE_ROUTING,
		.pf = family,
		.net = net,
	};

	return nf_conntrack_in(skb, &state);
}

unsigned int ovs_rs_ct_confirm(struct sk_buff *skb)
{
	return nf_conntrack_confirm(skb);
}

int ovs_rs_ct_network_trim(struct sk_buff *skb, u8 family)
{
	return nf_ct_skb_network_trim(skb, family);
}

unsigned int ovs_rs_ct_nat(struct sk_buff *skb, struct nf_conn *ct, u32 ctinfo, int *action,
			   u32 flags, const u8 *min_addr, const u8 *max_addr, u16 min_proto,
			   u16 max_proto, bool commit)
{
	struct nf_nat_range2 range = { .flags = flags };

	memcpy(&range.min_addr, min_addr, sizeof(range.min_addr));
	memcpy(&range.max_addr, max_addr, sizeof(range.max_addr));
	range.min_proto.all = htons(min_proto);
	range.max_proto.all = htons(max_proto);
	return nf_ct_nat(skb, ct, ctinfo, action, &range, commit);
}

unsigned int ovs_rs_ct_helper(struct sk_buff *skb, struct nf_conn *ct, u32 ctinfo, u8 family)
{
	return nf_ct_helper(skb, ct, ctinfo, family);
}

void ovs_rs_skb_pull_rcsum(struct sk_buff *skb, unsigned int len)
{
	skb_pull_rcsum(skb, len);
}

void ovs_rs_skb_push_rcsum(struct sk_buff *skb, unsigned int len)
{
	skb_push_rcsum(skb, len);
}

void ovs_rs_ct_fields(const struct nf_conn *ct, struct ovs_rs_ct_fields *out)
{
	const struct nf_conntrack_tuple *orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct nf_conn_labels *cl = nf_ct_labels_find(ct);

	memset(out, 0, sizeof(*out));
	out->status = READ_ONCE(ct->status);
	out->mark = READ_ONCE(ct->mark);
	out->zone = nf_ct_zone(ct)->id;
	out->l3num = nf_ct_l3num(ct);
	out->protonum = nf_ct_protonum(ct);
	out->confirmed = nf_ct_is_confirmed(ct);
	if (cl) {
		out->has_labels = true;
		memcpy(out->labels, cl->bits, sizeof(out->labels));
	}
	memcpy(out->orig_src, &orig->src.u3, sizeof(out->orig_src));
	memcpy(out->orig_dst, &orig->dst.u3, sizeof(out->orig_dst));
	out->orig_src_port = orig->src.u.all;
	out->orig_dst_port = orig->dst.u.all;
	out->orig_icmp_type = orig->dst.u.icmp.type;
	out->orig_icmp_code = orig->dst.u.icmp.code;
}

bool ovs_rs_ct_confirmed(const struct nf_conn *ct)
{
	return nf_ct_is_confirmed(ct);
}

u32 ovs_rs_ct_mark(const struct nf_conn *ct)
{
	return READ_ONCE(ct->mark);
}

struct nf_conn *ovs_rs_ct_master(const struct nf_conn *ct)
{
	return ct->master;
}

bool ovs_rs_ct_shared(const struct nf_conn *ct)
{
	return nf_ct_shared(ct);
}

bool ovs_rs_ct_in_net(const struct nf_conn *ct, const struct net *net)
{
	return net_eq(net, read_pnet(&ct->ct_net));
}

bool ovs_rs_ct_zone_equal(const struct nf_conn *tmpl, const struct nf_conn *ct)
{
	return nf_ct_zone_equal_any(tmpl, nf_ct_zone(ct));
}

const void *ovs_rs_ct_helper_of(const struct nf_conn *ct)
{
	struct nf_conn_help *help = nf_ct_ext_find(ct, NF_CT_EXT_HELPER);

	return help ? rcu_access_pointer(help->helper) : NULL;
}

const void *ovs_rs_ct_timeout_of(const struct nf_conn *ct)
{
#ifdef CONFIG_NF_CONNTRACK_TIMEOUT
	struct nf_conn_timeout *t = nf_ct_timeout_find(ct);

	return t ? rcu_access_pointer(t->timeout) : NULL;
#else
	return NULL;
#endif
}

bool ovs_rs_ct_tcp_established(const struct nf_conn *ct)
{
	return nf_ct_protonum(ct) == IPPROTO_TCP && nf_conntrack_tcp_established(ct);
}

void ovs_rs_ct_write_mark(struct nf_conn *ct, u32 mark)
{
	WRITE_ONCE(ct->mark, mark);
}

void ovs_rs_ct_event_mark(struct nf_conn *ct)
{
	nf_conntrack_event_cache(IPCT_MARK, ct);
}

void ovs_rs_ct_event_label(struct nf_conn *ct)
{
	nf_conntrack_event_cache(IPCT_LABEL, ct);
}

bool ovs_rs_ct_labels_ensure(struct nf_conn *ct)
{
	if (!nf_ct_labels_find(ct) && !nf_ct_is_confirmed(ct))
		nf_ct_labels_ext_add(ct);
	return nf_ct_labels_find(ct);
}

void ovs_rs_ct_labels_write(struct nf_conn *ct, const u8 *labels)
{
	struct nf_conn_labels *cl = nf_ct_labels_find(ct);

	if (cl)
		memcpy(cl->bits, labels, 16);
}

int ovs_rs_ct_labels_replace(struct nf_conn *ct, const u32 *labels, const u32 *mask)
{
	return nf_connlabels_replace(ct, labels, mask, 4);
}

void ovs_rs_ct_set_eventmask(struct nf_conn *ct, u32 mask)
{
	struct nf_conntrack_ecache *cache = nf_ct_ecache_find(ct);

	if (cache)
		cache->ctmask = mask;
}

int ovs_rs_ct_try_assign_helper(struct nf_conn *ct, struct nf_conn *tmpl)
{
	return __nf_ct_try_assign_helper(ct, tmpl, GFP_ATOMIC);
}

bool ovs_rs_ct_has_help(const struct nf_conn *ct)
{
	return nfct_help(ct);
}

bool ovs_rs_ct_ensure_seqadj(struct nf_conn *ct)
{
	return nfct_seqadj(ct) || nfct_seqadj_ext_add(ct);
}

void ovs_rs_ct_set_tcp_be_liberal(struct nf_conn *ct)
{
	nf_ct_set_tcp_be_liberal(ct);
}

void ovs_rs_ct_deliver_cached_events(struct nf_conn *ct)
{
	nf_ct_deliver_cached_events(ct);
}

void ovs_rs_ct_delete(struct nf_conn *ct)
{
	nf_ct_delete(ct, 0, 0);
}

void ovs_rs_ct_put(struct nf_conn *ct)
{
	nf_ct_put(ct);
}

int ovs_rs_ct_labels_get(struct net *net)
{
	return nf_connlabels_get(net, 16 * BITS_PER_BYTE - 1);
}

void ovs_rs_ct_labels_put(struct net *net)
{
	nf_connlabels_put(net);
}

bool ovs_rs_conncount_supported(void)
{
	return IS_ENABLED(CONFIG_NETFILTER_CONNCOUNT);
}

#if IS_ENABLED(CONFIG_NETFILTER_CONNCOUNT)
struct nf_conncount_data *ovs_rs_conncount_init(struct net *net, int *err)
{
	struct nf_conncount_data *data = nf_conncount_init(net, sizeof(u32));

	if (IS_ERR(data)) {
		*err = PTR_ERR(data);
		return NULL;
	}
	*err = 0;
	return data;
}

void ovs_rs_conncount_destroy(struct net *net, struct nf_conncount_data *data)
{
	nf_conncount_destroy(net, data);
}

unsigned int ovs_rs_conncount_count(struct net *net, const struct sk_buff *skb, u8 l3num,
				    struct nf_conncount_data *data, u16 zone)
{
	u32 key = zone;
	unsigned int n;

	rcu_read_lock();
	n = nf_conncount_count_skb(net, skb, l3num, data, &key);
	rcu_read_unlock();
	return n;
}
#else
struct nf_conncount_data *ovs_rs_conncount_init(struct net *net, int *err)
{
	*err = -EOPNOTSUPP;
	return NULL;
}

void ovs_rs_conncount_destroy(struct net *net, struct nf_conncount_data *data)
{
}

unsigned int ovs_rs_conncount_count(struct net *net, const struct sk_buff *skb, u8 l3num,
				    struct nf_conncount_data *data, u16 zone)
{
	return 0;
}
#endif

void ovs_rs_ct_log_netlink(const char *msg)
{
	net_info_ratelimited("netlink: %s\n", msg);
}

void ovs_rs_ct_log_zone_limit_rest(const char *cmd, int rem)
{
	net_info_ratelimited("netlink: %s zone limit has %d unknown bytes\n", cmd, rem);
}

void ovs_rs_ct_log_zone_over_limit(u16 zone)
{
	net_warn_ratelimited("openvswitch: zone: %u exceeds conntrack limit\n", zone);
}

/*
 * Upstream's ovs_ct_find_existing() and ovs_ct_get_info(), which replicate what
 * nf_conntrack_core.c does not export: the connection the packet's tuple (inverted if the
 * packet was NATted) names in `zone_id`, attached to the skb with the ctinfo its direction
 * gives, without counting the packet or changing the connection's state. Tuples stay on
 * this side; when to look is net/conntrack.rs's caller's decision.
 */
static enum ip_conntrack_info ovs_rs_ct_info_of(const struct nf_conntrack_tuple_hash *h)
{
	const struct nf_conn *ct = nf_ct_tuplehash_to_ctrack(h);

	if (NF_CT_DIRECTION(h) == IP_CT_DIR_REPLY)
		return IP_CT_ESTABLISHED_REPLY;
	if (test_bit(IPS_SEEN_REPLY_BIT, &ct->status))
		return IP_CT_ESTABLISHED;
	if (test_bit(IPS_EXPECTED_BIT, &ct->status))
		return IP_CT_RELATED;
	return IP_CT_NEW;
}

bool ovs_rs_ct_find_existing(struct net *net, u16 zone_id, u8 l3num, struct sk_buff *skb,
			     bool natted)
{
	struct nf_conntrack_tuple tuple, inverse;
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_zone zone;
	struct nf_conn *ct;

	if (!nf_ct_get_tuplepr(skb, skb_network_offset(skb), l3num, net, &tuple))
		return false;
	if (natted) {
		if (!nf_ct_invert_tuple(&inverse, &tuple))
			return false;
		tuple = inverse;
	}
	nf_ct_zone_init(&zone, zone_id, NF_CT_DEFAULT_ZONE_DIR, 0);
	h = nf_conntrack_find_get(net, &zone, &tuple);
	if (!h)
		return false;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (natted)
		h = &ct->tuplehash[!h->tuple.dst.dir];
	nf_ct_set(skb, ct, ovs_rs_ct_info_of(h));
	return true;
}
