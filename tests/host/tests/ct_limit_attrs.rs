//! `abi/ct_limit_attrs.rs`: the `struct ovs_zone_limit` walk of upstream's
//! `ovs_ct_limit_*_zone_limit()`, and the dump order of its hash buckets.

use ovs_rs_host::abi::ct_limit_attrs::{
    encode_zone_limit, limit_of, zone_limits, zone_slot, ZoneLimit, ZoneTarget,
};

fn entry(zone_id: i32, limit: u32) -> Vec<u8> {
    encode_zone_limit(zone_id, limit, 0).to_vec()
}

#[test]
fn entries_default_zones_and_out_of_range() {
    let mut p = entry(-1, 10);
    p.extend(entry(7, 3));
    p.extend(entry(65536, 1));
    p.extend(entry(-2, 1));
    p.extend(entry(65535, 2));
    let mut it = zone_limits(&p);
    let got: Vec<ZoneLimit> = it.by_ref().collect();
    assert_eq!(
        got.iter().map(|e| (e.target, e.limit)).collect::<Vec<_>>(),
        [
            (ZoneTarget::Default, 10),
            (ZoneTarget::Zone(7), 3),
            (ZoneTarget::OutOfRange, 1),
            (ZoneTarget::OutOfRange, 1),
            (ZoneTarget::Zone(65535), 2),
        ]
    );
    assert_eq!(it.rest(), 0);
}

#[test]
fn a_trailing_partial_entry_is_left_over_rounded_up_to_4() {
    let mut p = entry(1, 5);
    p.extend([1, 2, 3, 4, 5]);
    let mut it = zone_limits(&p);
    assert_eq!(it.next().map(|e| e.target), Some(ZoneTarget::Zone(1)));
    assert_eq!(it.next(), None);
    assert_eq!(it.rest(), 8);
    // A 10-byte payload: upstream rounds to 12 and reads the padding as the entry's count.
    let short = &entry(9, 0x0102_0304)[..10];
    let got: Vec<ZoneLimit> = zone_limits(short).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].target, ZoneTarget::Zone(9));
    assert_eq!(got[0].limit, 0x0102_0304);
    assert_eq!(zone_limits(&[]).count(), 0);
}

#[test]
fn reply_entries_are_native_endian() {
    let e = encode_zone_limit(-1, 2, 3);
    assert_eq!(&e[..4], &(-1i32).to_ne_bytes());
    assert_eq!(&e[4..8], &2u32.to_ne_bytes());
    assert_eq!(&e[8..], &3u32.to_ne_bytes());
}

/// Applies SETs as upstream's hash table would and returns the dump order.
fn set_all(zones: &[(u16, u32)]) -> Vec<(u16, u32)> {
    let mut t = Vec::new();
    for &(z, l) in zones {
        match zone_slot(&t, z) {
            Ok(i) => t[i].1 = l,
            Err(i) => t.insert(i, (z, l)),
        }
    }
    t
}

#[test]
fn zones_dump_by_bucket_newest_first_and_a_change_keeps_its_place() {
    // 1 and 513 share bucket 1; 512 is in bucket 0; 2 in bucket 2.
    let t = set_all(&[(1, 10), (2, 20), (513, 30), (512, 40), (1, 11)]);
    assert_eq!(t, [(512, 40), (513, 30), (1, 11), (2, 20)]);
    assert_eq!(limit_of(&t, 99, 513), 30);
    assert_eq!(limit_of(&t, 99, 3), 99);
}
