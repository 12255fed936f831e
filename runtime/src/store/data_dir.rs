//! Where the store lives, and creating that directory.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use super::{StoreError, StoreErrorKind};

/// The environment variable that chooses the data directory when `--data-dir` is not
/// given.
pub const DATA_DIR_ENV: &str = "MCPGEN_DATA_DIR";

/// The data directory of the server `server_name`, from the first of:
///
/// 1. `flag`, the `--data-dir` argument;
/// 2. the environment variable `MCPGEN_DATA_DIR`;
/// 3. `spec_default`, the spec's `store.data_dir`, whose `${VAR}` references are
///    resolved here (a relative path is relative to the working directory);
/// 4. the platform's place for per-user application data, following the XDG base
///    directory convention: `$XDG_DATA_HOME/<server_name>` when `XDG_DATA_HOME` is an
///    absolute path, else `$HOME/.local/share/<server_name>`, else (Windows)
///    `%LOCALAPPDATA%\<server_name>`.
///
/// The last is per user on purpose: a server run by hand and its `token` commands find
/// the same store without configuration. A service account or a container sets one of
/// the first three.
///
/// # Errors
/// An unset `${VAR}` in the spec's default, or no way to find a home directory.
pub fn resolve_data_dir(
    flag: Option<&Path>,
    spec_default: Option<&str>,
    server_name: &str,
) -> Result<PathBuf, StoreError> {
    resolve_with(flag, spec_default, server_name, |name| {
        std::env::var_os(name)
    })
}

/// [`resolve_data_dir`] with the environment read through `env`.
pub(super) fn resolve_with(
    flag: Option<&Path>,
    spec_default: Option<&str>,
    server_name: &str,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, StoreError> {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(dir) = flag {
        return Ok(dir.to_owned());
    }
    if let Some(dir) = set(DATA_DIR_ENV) {
        return Ok(dir.into());
    }
    if let Some(dir) = spec_default {
        let lookup = |name: &str| set(name).and_then(|v| v.into_string().ok());
        return crate::env::expand_with(dir, lookup)
            .map(PathBuf::from)
            .map_err(|err| {
                StoreError::new(
                    StoreErrorKind::Unavailable,
                    format!("{err} (read for `store.data_dir`); or give the directory with `--data-dir DIR` or `{DATA_DIR_ENV}`"),
                )
            });
    }
    let platform = set("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| set("HOME").map(|home| Path::new(&home).join(".local/share")))
        .or_else(|| set("LOCALAPPDATA").map(PathBuf::from));
    platform.map(|dir| dir.join(server_name)).ok_or_else(|| {
        StoreError::new(
            StoreErrorKind::Unavailable,
            format!(
                "cannot tell where to keep the store: none of XDG_DATA_HOME, HOME or LOCALAPPDATA is set; give a directory with `--data-dir DIR`, `{DATA_DIR_ENV}`, or the spec's `store.data_dir`"
            ),
        )
    })
}

/// Creates the data directory (and its parents) if it is missing; only its owner may
/// enter it, since it holds what decides who may call the server.
pub(super) fn create(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|err| {
        StoreError::new(
            StoreErrorKind::Unavailable,
            format!(
                "cannot create the data directory {} ({err}); create it yourself with write access for this user, or choose another one with `--data-dir DIR`, `{DATA_DIR_ENV}`, or the spec's `store.data_dir`",
                dir.display()
            ),
        )
    })
}
