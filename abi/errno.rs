// SPDX-License-Identifier: GPL-2.0
//! Errno values for the pure (host-shared) code, which cannot use `kernel::error`.
//!
//! Upstream counterpart: the `-E*` returns scattered through `net/openvswitch/*.c`.

/// A positive errno, as in `<uapi/asm-generic/errno-base.h>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const ENOMEM: Errno = Errno(12);
    pub const EEXIST: Errno = Errno(17);
    pub const EINVAL: Errno = Errno(22);
    /// A port number out of range, or a packet too long for one netlink attribute.
    pub const EFBIG: Errno = Errno(27);
    pub const ENOSPC: Errno = Errno(28);
    pub const ERANGE: Errno = Errno(34);
    pub const EOVERFLOW: Errno = Errno(75);
    pub const EMSGSIZE: Errno = Errno(90);
    pub const EOPNOTSUPP: Errno = Errno(95);
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// An upcall's MRU, length, hash or packet attribute does not fit (upstream's).
    pub const ENOBUFS: Errno = Errno(105);
    pub const ENOTCONN: Errno = Errno(107);
    pub const EINPROGRESS: Errno = Errno(115);
}

/// An errno with the extack message that explains it to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub errno: Errno,
    /// A static NUL-terminated text: extack keeps only the pointer.
    pub msg: &'static core::ffi::CStr,
    /// The attribute at fault, if one is.
    pub attr: Option<u16>,
}

impl Rejection {
    pub const fn new(errno: Errno, msg: &'static core::ffi::CStr, attr: Option<u16>) -> Self {
        Self { errno, msg, attr }
    }
}

/// The module's one error, what every command handler returns: an errno, with the extack
/// message and attribute that explain it when the user deserves an explanation. Everything
/// else converts into it: a bare [`Errno`] or a [`Rejection`] from the pure code, and the
/// kernel's `Error` (`net/genl.rs`). The genetlink trampolines turn it into the netlink
/// error and the extack, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OvsError {
    /// An errno alone.
    Errno(Errno),
    /// An errno with its extack message and attribute.
    Rejected(Rejection),
}

impl OvsError {
    /// The positive errno.
    pub fn errno(&self) -> Errno {
        match self {
            Self::Errno(e) => *e,
            Self::Rejected(r) => r.errno,
        }
    }

    /// The extack explanation, if there is one.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Self::Errno(_) => None,
            Self::Rejected(r) => Some(r),
        }
    }
}

impl From<Errno> for OvsError {
    fn from(e: Errno) -> Self {
        Self::Errno(e)
    }
}

impl From<Rejection> for OvsError {
    fn from(r: Rejection) -> Self {
        Self::Rejected(r)
    }
}
