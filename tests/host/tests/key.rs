//! Masked keys: ranges, masking, masked comparison and hashing.

use ovs_rs_host::flow::key::{field as kf, mask_key, masked_equal, masked_hash, FlowKey, KeyRange};

#[test]
fn range_spans_the_masks_nonzero_words() {
    let mut m = FlowKey::ZERO;
    // An empty mask covers no word: the range is empty, at the key's end.
    let words = kf::KEY_LEN / 8;
    assert_eq!(
        KeyRange::of_mask(&m),
        KeyRange {
            start: words,
            end: words
        }
    );
    m.set_u32(kf::IN_PORT, u32::MAX); // bytes 16..20: word 2
    m.set_be16(kf::TP_DST, 0xffff); // bytes 48..50: word 6
    assert_eq!(KeyRange::of_mask(&m), KeyRange { start: 2, end: 7 });
}

#[test]
fn masking_ignores_bits_outside_the_mask() {
    let mut mask = FlowKey::ZERO;
    mask.set(kf::IPV4_DST, &[255, 255, 255, 0]);
    let range = KeyRange::of_mask(&mask);

    let mut a = FlowKey::ZERO;
    a.set(kf::IPV4_DST, &[10, 0, 0, 1]);
    a.set_be16(kf::TP_SRC, 999);
    let mut masked = FlowKey::ZERO;
    mask_key(&mut masked, &a, &mask, range);
    assert_eq!(masked.get(kf::IPV4_DST), [10, 0, 0, 0]);
    assert_eq!(masked.be16(kf::TP_SRC), 0);

    let mut b = FlowKey::ZERO;
    b.set(kf::IPV4_DST, &[10, 0, 0, 200]);
    b.set_u32(kf::IN_PORT, 7);
    assert!(masked_equal(&b, &masked, &mask, range));
    assert_eq!(
        masked_hash(&a, &mask, range, 1),
        masked_hash(&b, &mask, range, 1)
    );

    b.set(kf::IPV4_DST, &[10, 0, 1, 200]);
    assert!(!masked_equal(&b, &masked, &mask, range));
}

#[test]
fn the_seed_changes_the_hash() {
    let mut mask = FlowKey::ZERO;
    mask.set_u32(kf::IN_PORT, u32::MAX);
    let r = KeyRange::of_mask(&mask);
    let mut k = FlowKey::ZERO;
    k.set_u32(kf::IN_PORT, 1);
    assert_ne!(masked_hash(&k, &mask, r, 1), masked_hash(&k, &mask, r, 2));
}

#[test]
fn later_fragment_key_differs_only_in_frag() {
    let mut k = FlowKey::ZERO;
    k.set_u32(kf::IN_PORT, 3);
    k.set_u8(kf::IP_PROTO, 17);
    k.set_u8(kf::IP_FRAG, ovs_rs_host::flow::key::frag::FIRST);
    k.set_be16(kf::TP_DST, 53);
    let later = k.later_fragment();
    assert_eq!(
        later.u8_at(kf::IP_FRAG),
        ovs_rs_host::flow::key::frag::LATER
    );
    let mut back = later;
    back.set_u8(kf::IP_FRAG, ovs_rs_host::flow::key::frag::FIRST);
    assert_eq!(back, k);
}
