//! Files still "processing" after a confirm-upload (the guide's "6.
//! Processing -- PXM processes the file asynchronously ... 7. Available
//! -- File is available via GET /v2.1/file/{id}"): a map of file id to
//! the instant it becomes available, on the real (tokio) clock. Kept in
//! memory only: after a restart every file is available. With no delay
//! configured nothing is ever recorded.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Processing {
    delay: Duration,
    until: Mutex<HashMap<String, Instant>>,
}

impl Processing {
    pub(crate) fn new(delay: Duration) -> Self {
        Processing {
            delay,
            until: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        self.until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts (or restarts) the delay of file `id`, confirmed just now.
    pub(crate) fn start(&self, id: &str) {
        if self.delay.is_zero() {
            return;
        }
        self.map()
            .insert(id.to_string(), Instant::now() + self.delay);
    }

    /// Whether file `id` is still processing; forgets it once available.
    pub(crate) fn is_processing(&self, id: &str) -> bool {
        let mut map = self.map();
        match map.get(id) {
            Some(at) if Instant::now() < *at => true,
            Some(_) => {
                map.remove(id);
                false
            }
            None => false,
        }
    }

    /// How many files are still processing.
    pub(crate) fn count(&self) -> usize {
        let mut map = self.map();
        let now = Instant::now();
        map.retain(|_, at| now < *at);
        map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_file_processes_for_the_delay_then_is_forgotten() {
        let p = Processing::new(Duration::from_millis(300));
        p.start("f");
        assert!(p.is_processing("f"));
        assert!(!p.is_processing("g"));
        assert_eq!(p.count(), 1);
        tokio::time::advance(Duration::from_millis(300)).await;
        assert!(!p.is_processing("f"));
        assert_eq!(p.count(), 0);
    }

    #[test]
    fn no_delay_records_nothing() {
        let p = Processing::new(Duration::ZERO);
        p.start("f");
        assert!(!p.is_processing("f"));
        assert_eq!(p.count(), 0);
    }
}
