//! The sidebar's resources and their texts, on the recorded hosts in `fixtures/`.

use super::*;
use crate::client::WatchEvent;

#[test]
fn only_what_the_host_has_and_what_is_not_hidden() {
    let path = format!(
        "{}/../fixtures/golden/nvidia-laptop/detail.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let frame = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut vm = ViewModel::default();
    assert_eq!(
        Resource::present(&vm, &[]),
        [Resource::Cpu, Resource::Memory, Resource::Disks]
    );
    let _ = vm.apply(WatchEvent::Detail(Box::new(frame)));
    let all = Resource::present(&vm, &[]);
    assert_eq!(
        all,
        [
            Resource::Cpu,
            Resource::Memory,
            Resource::Disks,
            Resource::Disk(0),
            Resource::Gpu(0),
            Resource::Gpu(1),
            Resource::Sensors,
            Resource::Battery
        ]
    );
    let hidden = Resource::present(&vm, &["gpu".into(), "battery".into(), "disks".into()]);
    assert_eq!(hidden, [Resource::Cpu, Resource::Memory, Resource::Sensors]);
    assert!(Resource::Gpu(1).details(&vm, Units::default()).len() == 5);
    // The one block device's page: its rates, utilisation and the filesystems on it.
    assert_eq!(Resource::Disk(0).title(&vm), "Disk nvme0n1");
    let rows = Resource::Disk(0).details(&vm, Units::default());
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "disk-nvme0n1-model",
            "disk-nvme0n1-size",
            "disk-nvme0n1-read",
            "disk-nvme0n1-write",
            "disk-nvme0n1-busy",
            "disk-nvme0n1-capacity",
            "disk-/",
            "disk-/boot/efi",
            "disk-/home"
        ]
    );
    assert_eq!(Resource::Disk(0).series(&vm).len(), 2);
}

/// A view model fed `host`'s golden detailed frame and network snapshot, as the watch
/// delivers them.
fn fed(host: &str) -> ViewModel {
    let golden = |body: &str| {
        let path = format!(
            "{}/../fixtures/golden/{host}/{body}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    };
    let mut vm = ViewModel::default();
    let _ = vm.apply(WatchEvent::Network(Box::new(
        serde_json::from_str(&golden("network")).unwrap(),
    )));
    let _ = vm.apply(WatchEvent::Detail(Box::new(
        serde_json::from_str(&golden("detail")).unwrap(),
    )));
    vm
}

fn values(rows: &[Row]) -> Vec<(&str, &str)> {
    rows.iter().map(|r| (r.1.as_str(), r.2.as_str())).collect()
}

#[test]
fn disk_pages_show_model_size_and_kind() {
    let vm = fed("amd-gpu-desktop");
    let nvme = Resource::Disk(0).details(&vm, Units::default());
    assert_eq!(
        values(&nvme[..2]),
        [
            ("Model", "Samsung SSD 980 PRO 1TB"),
            ("Size", "931.5 GiB (SSD)")
        ]
    );
    let sda = Resource::Disk(1).details(&vm, Units::default());
    assert_eq!(
        values(&sda[..2]),
        [("Model", "WDC WD40EFZX-68A"), ("Size", "3.6 TiB (HDD)")]
    );
    let vm = fed("real-debian-vm");
    let vda = Resource::Disk(0).details(&vm, Units::default());
    assert_eq!(
        values(&vda[..2]),
        [("Model", "0x1af4"), ("Size", "256.0 GiB (HDD)")],
        "no model file: the vendor alone"
    );
}

#[test]
fn interface_pages_show_addresses_mac_and_link_speed() {
    let vm = fed("amd-gpu-desktop");
    let i = vm.interfaces().iter().position(|n| n == "enp7s0").unwrap();
    let rows = Resource::Interface(i).details(&vm, Units::default());
    let got = values(&rows);
    for want in [
        ("IPv4", "192.168.1.40/24"),
        (
            "IPv6",
            "fd12:3456:789a:1::40/64, fe80::aaa1:59ff:fe3c:4d21/64",
        ),
        ("MAC address", "a8:a1:59:3c:4d:21"),
        ("Link speed", "2.5 Gbit/s"),
        ("State", "up, MTU 1500"),
    ] {
        assert!(got.contains(&want), "{want:?} not in {got:?}");
    }
    let vm = fed("nvidia-laptop");
    let i = vm.interfaces().iter().position(|n| n == "enp3s0").unwrap();
    let rows = Resource::Interface(i).details(&vm, Units::default());
    let got = values(&rows);
    assert!(got.contains(&("Link speed", "unknown")), "{got:?}");
    assert!(got.contains(&("IPv4", "none")), "{got:?}");
}

#[test]
fn without_identity_from_the_server_there_are_no_identity_rows() {
    let vm = fed("desktop-intel-wifi");
    let i = vm.interfaces().iter().position(|n| n == "enp3s0").unwrap();
    let rows = Resource::Interface(i).details(&vm, Units::default());
    assert!(rows.iter().all(|r| !r.0.ends_with("-mac")), "{rows:?}");
    assert_eq!(rows[0].1, "Receiving");
}
