//! A PostgreSQL cluster of the test's own, for the tests that stop and start the database under a
//! running server (`nodes`, `faults`).

/// A PostgreSQL cluster of the test's own (initdb into a temporary directory, trust auth, a free
/// port), so stopping it disturbs nothing else.
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

fn as_postgres(program: &str) -> std::process::Command {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries under /usr/lib/postgresql")
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin").join(program))
        .filter(|p| p.exists())
        .max()
        .unwrap_or_else(|| panic!("no {program} under /usr/lib/postgresql/*/bin"));
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .unwrap()
        .stdout
        == b"0\n";
    if root {
        let mut cmd = std::process::Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(bin);
        cmd
    } else {
        std::process::Command::new(bin)
    }
}

impl Cluster {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let _ = std::process::Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.path().join("data");
        let out = as_postgres("initdb")
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = Self { dir, port };
        cluster.start();
        cluster
    }

    fn ctl(&self, action: &str) {
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("pg.log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let out = as_postgres("pg_ctl")
            .args(["-w", "-D"])
            .arg(&data)
            .args(["-l"])
            .arg(&log)
            .args(["-o", &options, "-m", "fast", action])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn start(&self) {
        self.ctl("start");
    }

    pub fn stop(&self) {
        self.ctl("stop");
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres("pg_ctl")
            .args(["-D"])
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}
