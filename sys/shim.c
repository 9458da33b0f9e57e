// SPDX-License-Identifier: GPL-2.0
/*
 * sys/shim.c: C shim for the kernel static inlines and macros that openvswitch_rs calls.
 * Every function is a thin wrapper; logic lives in Rust. Upstream counterpart: none (the
 * C datapath calls these inlines directly).
 */
#include <linux/skbuff.h>
#include <net/genetlink.h>
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

const void *ovs_rs_cb_userhdr(const struct netlink_callback *cb, unsigned int hdrsize)
{
	/* Dump requests are not policy-checked for the user header length; do it here. */
	if (nlmsg_len(cb->nlh) < GENL_HDRLEN + hdrsize)
		return NULL;
	return (const u8 *)nlmsg_data(cb->nlh) + GENL_HDRLEN;
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
	if (info->attrs[attr])
		NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
}
