//! Running the built `pxmctl` as a user (or CI) does: from a directory,
//! with only the variables the test gives it, no terminal. [`Pxmctl`] is
//! the one runner; [`pxmctl`] is its common case.
//!
//! The child's environment starts empty but for `NO_COLOR=1`, so nothing
//! of the developer's shell (`PXM_ENV`, a token, `COLUMNS`) reaches it,
//! and stdin is empty, so nothing waits on a prompt.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pxmctl::sandbox::RunningSandbox;

/// `pxmctl ARGS` in `dir` with only `env` set (and `NO_COLOR`); its output.
pub fn pxmctl(dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    Pxmctl::new(args).dir(dir).envs(env).output()
}

/// `pxmctl ARGS` in `dir` against `sandbox` ([`Pxmctl::against`]), run
/// off the async runtime that serves the sandbox; its output.
pub async fn pxmctl_against(sandbox: &RunningSandbox, dir: &Path, args: &[&str]) -> Output {
    Pxmctl::new(args)
        .dir(dir)
        .against(sandbox)
        .output_off_runtime()
        .await
}

/// One run of the binary, built up and then run once.
#[derive(Debug, Clone)]
pub struct Pxmctl {
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    env: Vec<(OsString, OsString)>,
    umask: Option<&'static str>,
}

impl Pxmctl {
    /// `pxmctl ARGS` in the test's own directory.
    pub fn new(args: &[&str]) -> Self {
        Self {
            args: args.iter().map(OsString::from).collect(),
            dir: None,
            env: vec![("NO_COLOR".into(), "1".into())],
            umask: None,
        }
    }

    #[must_use]
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    #[must_use]
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Started in `dir`.
    #[must_use]
    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    /// One more variable; a later one of the same name wins.
    #[must_use]
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// More variables, in order.
    #[must_use]
    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(mut self, env: &[(K, V)]) -> Self {
        for (name, value) in env {
            self = self.env(name, value);
        }
        self
    }

    /// The variables that reach `sandbox` ([`sandbox_env`]).
    #[must_use]
    pub fn against(self, sandbox: &RunningSandbox) -> Self {
        self.envs(&sandbox_env(sandbox))
    }

    /// Run through `sh` under `umask MASK` (`sh` is found on the test's
    /// `PATH`, which the child gets too).
    #[must_use]
    pub fn umask(mut self, mask: &'static str) -> Self {
        self.umask = Some(mask);
        self
    }

    /// The command, to set its stdout and stderr or spawn it.
    pub fn command(self) -> Command {
        let bin = env!("CARGO_BIN_EXE_pxmctl");
        let mut command = match self.umask {
            None => Command::new(bin),
            Some(mask) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
                    .arg(bin);
                sh
            }
        };
        command.args(&self.args).env_clear();
        if self.umask.is_some() {
            command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        }
        command
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }

    /// Runs it to the end; stdout and stderr captured.
    pub fn output(self) -> Output {
        self.command().output().unwrap()
    }

    /// [`Pxmctl::output`] off the async runtime, so the sandbox that runtime
    /// serves can answer while the test waits.
    pub async fn output_off_runtime(self) -> Output {
        tokio::task::spawn_blocking(move || self.output())
            .await
            .unwrap()
    }

    /// The run, for `assert_cmd`'s assertions on status and output.
    pub fn assert(self) -> assert_cmd::assert::Assert {
        assert_cmd::Command::from_std(self.command()).assert()
    }
}

/// The variables a user (or CI) sets to reach `sandbox`: its URL, its
/// client credentials, and no token cache.
pub fn sandbox_env(sandbox: &RunningSandbox) -> Vec<(String, String)> {
    [
        ("PXM_BASE_URL", sandbox.base_url()),
        ("PXM_CLIENT_ID", sandbox.client_id()),
        ("PXM_CLIENT_SECRET", sandbox.client_secret()),
        ("PXM_TOKEN_CACHE", "off"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// stdout then stderr, for assertions and failure messages (whatever
/// the bytes).
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// stdout, which must be UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// stderr, which must be UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// The directory holding the built `pxmctl`, to put on `PATH`.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_pxmctl"))
        .parent()
        .unwrap()
        .to_path_buf()
}
