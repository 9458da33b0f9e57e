//! The netlink attribute codec: walking and building attribute streams.

use ovs_rs_host::genetlink::errno::Errno;
use ovs_rs_host::genetlink::nla::{nul_string, AttrWriter, Attrs, NLA_F_NESTED};

mod common;
use common::attr;

#[test]
fn walks_a_stream_with_padding() {
    let mut s = attr(1, b"dp0\0");
    s.extend(attr(2, &7u32.to_ne_bytes()));
    s.extend(attr(3, &[9])); // padded to 8 bytes
    s.extend(attr(4, &[]));
    let attrs: Vec<_> = Attrs::new(&s).collect::<Result<_, _>>().unwrap();
    assert_eq!(attrs.len(), 4);
    assert_eq!(attrs[0].kind, 1);
    assert_eq!(nul_string(attrs[0].payload), Ok("dp0"));
    assert_eq!(attrs[1].u32(), Ok(7));
    assert_eq!(attrs[2].payload, &[9]);
    assert_eq!(attrs[2].u8(), Ok(9));
    assert!(attrs[3].payload.is_empty());
}

#[test]
fn last_attribute_may_omit_its_padding() {
    let mut s = attr(3, &[1, 2, 3]);
    s.truncate(7);
    let attrs: Vec<_> = Attrs::new(&s).collect::<Result<_, _>>().unwrap();
    assert_eq!(attrs[0].payload, &[1, 2, 3]);
}

#[test]
fn truncation_at_every_offset_never_overreads() {
    let mut s = attr(1, b"hello world\0");
    s.extend(attr(2, &5u64.to_ne_bytes()));
    for cut in 0..=s.len() {
        let items: Vec<_> = Attrs::new(&s[..cut]).collect();
        // A cut inside an attribute is an error, reported once, and iteration stops.
        assert!(
            items.iter().filter(|r| r.is_err()).count() <= 1,
            "cut {cut}"
        );
        if let Some(Err(e)) = items.last() {
            assert_eq!(*e, Errno::EINVAL);
        }
        for a in items.iter().flatten() {
            assert!(a.payload.len() <= cut);
        }
    }
}

#[test]
fn bad_lengths_are_einval() {
    // nla_len smaller than the header.
    assert_eq!(Attrs::new(&[2, 0, 1, 0]).next(), Some(Err(Errno::EINVAL)));
    // nla_len beyond the stream.
    assert_eq!(
        Attrs::new(&[9, 0, 1, 0, 0, 0, 0, 0]).next(),
        Some(Err(Errno::EINVAL))
    );
    // Fewer bytes than a header: nothing, like nla_for_each_attr.
    assert_eq!(Attrs::new(&[1, 2, 3]).next(), None);
}

#[test]
fn fixed_width_readers_require_exact_lengths() {
    let s = attr(1, &[1, 2, 3]);
    let a = Attrs::new(&s).next().unwrap().unwrap();
    assert_eq!(a.u32(), Err(Errno::EINVAL));
    assert_eq!(a.u16(), Err(Errno::EINVAL));
    assert_eq!(a.u64(), Err(Errno::EINVAL));
}

#[test]
fn flags_are_stripped_from_the_type() {
    let s = attr(5 | NLA_F_NESTED, &attr(1, &[0; 4]));
    let a = Attrs::new(&s).next().unwrap().unwrap();
    assert_eq!(a.kind, 5);
    assert!(a.nested_flag);
    let inner: Vec<_> = a.nested().collect::<Result<_, _>>().unwrap();
    assert_eq!(inner[0].kind, 1);
}

#[test]
fn writer_round_trips_through_the_walker() {
    let mut buf = [0xffu8; 128];
    let mut w = AttrWriter::new(&mut buf);
    w.put_string(1, "br0").unwrap();
    let nest = w.start_nest(3).unwrap();
    w.put_u32(1, 42).unwrap();
    w.put_u64(2, u64::MAX).unwrap();
    w.end_nest(nest).unwrap();
    w.put(4, &[7]).unwrap();
    let bytes = w.as_bytes().to_vec();
    assert_eq!(bytes.len() % 4, 0);

    let attrs: Vec<_> = Attrs::new(&bytes).collect::<Result<_, _>>().unwrap();
    assert_eq!(attrs.len(), 3);
    assert_eq!(nul_string(attrs[0].payload), Ok("br0"));
    assert!(attrs[1].nested_flag);
    let inner: Vec<_> = attrs[1].nested().collect::<Result<_, _>>().unwrap();
    assert_eq!(inner[0].u32(), Ok(42));
    assert_eq!(inner[1].u64(), Ok(u64::MAX));
    assert_eq!(attrs[2].payload, &[7]);
    // Padding after the 1-byte payload is zeroed, not left as 0xff.
    assert_eq!(&bytes[bytes.len() - 3..], &[0, 0, 0]);
}

#[test]
fn writer_reports_a_full_buffer() {
    let mut buf = [0u8; 10];
    let mut w = AttrWriter::new(&mut buf);
    w.put_u32(1, 1).unwrap();
    assert_eq!(w.put_u32(2, 2), Err(Errno::EMSGSIZE));
    // A failed put leaves what was written intact.
    assert_eq!(w.as_bytes().len(), 8);
}

#[test]
fn nul_string_needs_a_nul() {
    assert_eq!(nul_string(b"abc"), Err(Errno::EINVAL));
    assert_eq!(nul_string(b"abc\0junk"), Ok("abc"));
    assert_eq!(nul_string(b"\xff\0"), Err(Errno::EINVAL));
}
