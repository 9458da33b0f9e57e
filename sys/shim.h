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
const void *ovs_rs_cb_userhdr(const struct netlink_callback *cb, unsigned int hdrsize);
void ovs_rs_extack_set_msg(struct netlink_ext_ack *extack, const char *msg);
void ovs_rs_genl_info_set_bad_attr(struct genl_info *info, unsigned int attr);

#endif
