//! What an upload's progress hook is told: the furthest point of any pass
//! over the file. Each pass (session) sends its ranges in order from byte
//! 0, so bytes sent again (a part retried, every part after a fresh
//! request-upload) are reported only once they go beyond that point, and
//! the reports of one upload add up to at most its size, and to exactly
//! that once every byte of one pass is accepted: a bar over the sizes of
//! all uploads stays honest.

pub(super) struct Progress<'a> {
    hook: Option<&'a (dyn Fn(u64) + Sync)>,
    reported: u64,
    /// Bytes of this pass's accepted PUTs.
    accepted: u64,
}

impl<'a> Progress<'a> {
    pub(super) fn new(hook: Option<&'a (dyn Fn(u64) + Sync)>) -> Self {
        Self {
            hook,
            reported: 0,
            accepted: 0,
        }
    }

    /// The current PUT has sent `in_attempt` bytes of its range.
    pub(super) fn sent(&mut self, in_attempt: u64) {
        let reached = self.accepted + in_attempt;
        if reached > self.reported {
            if let Some(hook) = self.hook {
                hook(reached - self.reported);
            }
            self.reported = reached;
        }
    }

    /// The current PUT, of `len` bytes, was accepted.
    pub(super) fn part_done(&mut self, len: u64) {
        self.accepted += len;
        self.sent(0);
    }

    /// A fresh session sends every byte again, from byte 0.
    pub(super) fn start_over(&mut self) {
        self.accepted = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn progress_reports_each_byte_once_across_retries_and_fresh_sessions() {
        let reports = Mutex::new(Vec::new());
        let hook = |n: u64| reports.lock().expect("lock").push(n);
        let mut p = Progress::new(Some(&hook));
        // Part 1 (10 bytes): 6 out, the attempt fails, 4 out again, then all.
        p.sent(6);
        p.sent(4);
        p.sent(10);
        p.part_done(10);
        // Part 2: 5 of 10 out, then a 403 and a fresh session from byte 0.
        p.sent(5);
        p.start_over();
        p.sent(10);
        p.part_done(10);
        p.sent(3);
        p.sent(10);
        p.part_done(10);
        assert_eq!(*reports.lock().expect("lock"), [6, 4, 5, 5]);
        let mut quiet = Progress::new(None);
        quiet.sent(5);
        quiet.part_done(5);
        assert_eq!(quiet.reported, 5);
    }
}
