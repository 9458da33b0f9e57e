// SPDX-License-Identifier: GPL-2.0
//! Netlink attribute policies (`struct nla_policy`), built in Rust at compile time.
//!
//! Upstream counterpart: the `nla_policy` tables of `net/openvswitch/datapath.c`. The kernel
//! validates requests against these before any handler runs, so handlers see attributes of
//! the right type and length.

use crate::sys;

/// One `struct nla_policy` entry.
///
/// # Invariants
///
/// The wrapped value holds no pointer (only type, validation type, length and range), so
/// sharing it between threads is sound.
#[repr(transparent)]
pub(crate) struct Policy(sys::nla_policy);

// SAFETY: By the type invariant the policy holds no pointer; it is plain immutable data.
unsafe impl Sync for Policy {}

impl Policy {
    const fn of(kind: u32, len: u16) -> Self {
        // All-zero is NLA_UNSPEC, no validation, null pointers.
        // SAFETY: `nla_policy` holds integers and a union of integers and pointers.
        let mut p: sys::nla_policy = unsafe { core::mem::zeroed() };
        p.type_ = kind as u8;
        p.len = len;
        // INVARIANT: only integer fields are set.
        Self(p)
    }

    /// An attribute number this family does not accept (`NLA_UNSPEC` with no length rule).
    pub(crate) const fn unspec() -> Self {
        Self::of(sys::NLA_UNSPEC, 0)
    }

    /// `NLA_NESTED` with no policy for what it holds: empty, or at least a header long.
    pub(crate) const fn nested() -> Self {
        Self::of(sys::NLA_NESTED, 0)
    }

    /// `NLA_U32`.
    pub(crate) const fn u32() -> Self {
        Self::of(sys::NLA_U32, 0)
    }

    /// `NLA_NUL_STRING` of at most `max_len` bytes before the NUL.
    pub(crate) const fn nul_string(max_len: u16) -> Self {
        Self::of(sys::NLA_NUL_STRING, max_len)
    }

    /// `NLA_POLICY_RANGE(kind, min, max)`, for `NLA_U32` or `NLA_S32`.
    const fn ranged(kind: u32, min: i16, max: i16) -> Self {
        let mut p = Self::of(kind, 0);
        p.0.validation_type = sys::NLA_VALIDATE_RANGE as u8;
        p.0.__bindgen_anon_1 = sys::nla_policy__bindgen_ty_1 {
            __bindgen_anon_1: sys::nla_policy__bindgen_ty_1__bindgen_ty_1 { min, max },
        };
        p
    }

    /// `NLA_POLICY_RANGE(NLA_U32, min, max)`.
    pub(crate) const fn u32_range(min: i16, max: i16) -> Self {
        Self::ranged(sys::NLA_U32, min, max)
    }

    /// `NLA_POLICY_MIN(NLA_S32, min)`.
    pub(crate) const fn s32_min(min: i16) -> Self {
        let mut p = Self::of(sys::NLA_S32, 0);
        p.0.validation_type = sys::NLA_VALIDATE_MIN as u8;
        p.0.__bindgen_anon_1 = sys::nla_policy__bindgen_ty_1 {
            __bindgen_anon_1: sys::nla_policy__bindgen_ty_1__bindgen_ty_1 { min, max: 0 },
        };
        p
    }

    pub(crate) const fn as_raw(table: &'static [Policy]) -> *const sys::nla_policy {
        table.as_ptr().cast()
    }
}
