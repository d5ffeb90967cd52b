//! The live collector reads the node_exporter-only sources only for samples that ask for them
//! (`SampleRequest::node`: the hub asks while `/metrics` is scraped); a plain `sample()` (the
//! `record` command, tests) always reads them.
#![cfg(target_os = "linux")]

use psmonitor_collector::{HostCollector, SampleRequest, Sampler};

#[test]
fn node_sources_are_read_only_for_samples_that_ask_for_them() {
    let mut always = HostCollector::new().unwrap();
    assert!(
        !always.sample().node.vmstat.is_empty(),
        "a plain sample reads them"
    );

    let mut collector = HostCollector::new().unwrap();
    let idle = collector.sample_for(SampleRequest {
        processes: true,
        node: false,
    });
    assert!(idle.node.vmstat.is_empty() && idle.node.meminfo.is_empty());
    assert!(idle.node.stat.is_none() && idle.node.netclass.is_empty());
    assert!(idle.memory.total > 0, "the views' data is still read");

    let scraped = collector.sample_for(SampleRequest {
        processes: false,
        node: true,
    });
    assert!(scraped.node.vmstat.iter().any(|f| f.name == "pgfault"));
    assert!(
        scraped
            .node
            .meminfo
            .iter()
            .any(|f| f.name == "MemTotal_bytes")
    );
    assert!(scraped.node.stat.is_some());
    assert!(
        !scraped.node.netclass.is_empty(),
        "the slow sources are read at once"
    );
}
