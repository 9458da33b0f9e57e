//! The netlink attribute codec: walking and building attribute streams.

use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::nla::{nul_string, AttrWriter, Attrs, NLA_F_NESTED};

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

#[test]
fn small_integer_puts_match_hand_built_attributes() {
    let mut buf = [0xaau8; 32];
    let mut w = AttrWriter::new(&mut buf);
    w.put_u8(1, 0x7f).unwrap();
    w.put_u16(2, 0x1234).unwrap();
    let mut want = attr(1, &[0x7f]);
    want.extend(attr(2, &0x1234u16.to_ne_bytes()));
    assert_eq!(w.as_bytes(), &want[..]);
}

#[test]
fn put_raw_appends_padded_bytes() {
    let mut buf = [0xaau8; 16];
    let mut w = AttrWriter::new(&mut buf);
    let pre = attr(5, &[1, 2, 3]);
    w.put_raw(&pre).unwrap();
    w.put_raw(&[9, 9]).unwrap();
    assert_eq!(w.as_bytes().len(), 12);
    assert_eq!(&w.as_bytes()[..8], &pre[..]);
    assert_eq!(&w.as_bytes()[8..], &[9, 9, 0, 0]);
    assert_eq!(w.put_raw(&[1, 2, 3, 4, 5]), Err(Errno::EMSGSIZE));
    assert_eq!(w.as_bytes().len(), 12);
    w.put_raw(&[1]).unwrap();
    assert_eq!(w.as_bytes().len(), 16);
}

#[test]
fn cancel_nest_drops_the_nest_and_its_contents() {
    let mut buf = [0u8; 64];
    let mut w = AttrWriter::new(&mut buf);
    w.put_u32(1, 1).unwrap();
    let n = w.start_nest_noflag(2).unwrap();
    w.put_u32(3, 3).unwrap();
    w.cancel_nest(n);
    assert_eq!(w.as_bytes(), &attr(1, &1u32.to_ne_bytes())[..]);
    // The writer goes on from there.
    w.put_u8(4, 4).unwrap();
    assert_eq!(Attrs::new(w.as_bytes()).count(), 2);
}

#[test]
fn total_sizes() {
    use ovs_rs_host::abi::nla::{nla_total_size, nla_total_size_64bit};
    assert_eq!(nla_total_size(0), 4);
    assert_eq!(nla_total_size(1), 8);
    assert_eq!(nla_total_size(64), 68);
    assert_eq!(nla_total_size_64bit(64), 72);
}

#[test]
fn policy_rechecks() {
    use ovs_rs_host::abi::nla::policy;
    assert_eq!(policy::u32(&[1, 0, 0, 0, 9], 7), Ok(1u32.to_le()));
    let r = policy::u32(&[1, 0, 0], 7).unwrap_err();
    assert_eq!(
        (r.errno, r.attr, r.msg),
        (Errno::ERANGE, Some(7), policy::FAILED)
    );
    assert_eq!(policy::u16(&[1], 2).unwrap_err().errno, Errno::ERANGE);
    assert_eq!(policy::u64(&[0; 7], 2).unwrap_err().errno, Errno::ERANGE);
    assert_eq!(policy::s32(&(-5i32).to_ne_bytes(), 2), Ok(-5));
    assert_eq!(
        policy::s32_min(&(-5i32).to_ne_bytes(), 0, 2)
            .unwrap_err()
            .errno,
        Errno::ERANGE
    );
    assert_eq!(policy::s32_min(&0i32.to_ne_bytes(), 0, 2), Ok(0));
    assert_eq!(policy::flag(&[], 1), Ok(()));
    assert_eq!(policy::flag(&[0], 1).unwrap_err().errno, Errno::ERANGE);
    assert_eq!(policy::nested(&[], 1), Ok(&[][..]));
    assert_eq!(policy::nested(&[0; 3], 1).unwrap_err().errno, Errno::ERANGE);
    assert_eq!(policy::nested(&[4, 0, 1, 0], 1), Ok(&[4, 0, 1, 0][..]));
    assert_eq!(policy::min_len(&[1, 2], 2, 1), Ok(&[1, 2][..]));
    assert_eq!(
        policy::min_len(&[1], 2, 1).unwrap_err().errno,
        Errno::ERANGE
    );
    // NUL strings: a NUL within max + 1 bytes (EINVAL), at most max bytes (ERANGE).
    assert_eq!(policy::nul_string(b"abc\0", 3, 1), Ok(c"abc"));
    assert_eq!(
        policy::nul_string(b"abcd\0", 3, 1).unwrap_err().errno,
        Errno::EINVAL
    );
    assert_eq!(
        policy::nul_string(b"", 3, 1).unwrap_err().errno,
        Errno::EINVAL
    );
    assert_eq!(
        policy::nul_string(b"a\0cd\0", 3, 1).unwrap_err().errno,
        Errno::ERANGE
    );
    assert_eq!(policy::nul_string(b"a\0c\0", 3, 1), Ok(c"a"));
}
