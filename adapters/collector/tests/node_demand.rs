//! The live collector reads the node_exporter-only sources only while `/metrics` is scraped,
//! once a server took its [`NodeDemand`] handle; without one (the `record` command, tests) it
//! always reads them.
#![cfg(target_os = "linux")]

use psmonitor_collector::{HostCollector, Sampler};

#[test]
fn node_sources_are_read_only_after_a_scrape_once_demand_is_wired() {
    let mut always = HostCollector::new().unwrap();
    assert!(
        !always.sample().node.vmstat.is_empty(),
        "no handle taken: always read"
    );

    let mut collector = HostCollector::new().unwrap();
    let demand = collector
        .node_demand()
        .expect("the live collector has node sources");
    let idle = collector.sample();
    assert!(idle.node.vmstat.is_empty() && idle.node.meminfo.is_empty());
    assert!(idle.node.stat.is_none() && idle.node.netclass.is_empty());
    assert!(idle.memory.total > 0, "the views' data is still read");

    demand.scraped();
    let scraped = collector.sample();
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
