//! Device identity (disk model and size, MAC, addresses, link speed) in the detailed stream: it
//! appears for the fixture hosts that record it, is `null` where their sysfs lacked a file, and
//! is absent from the classic bodies, which stay byte for byte as they were.

mod common;

use common::{HOSTS, detailed_snapshot, fixtures_dir, last_pair, recording};
use psmonitor_core::wire::DetailedFrame;
use serde_json::Value;

fn detail_of(host: &str) -> Value {
    let text = detailed_snapshot(host)
        .detail
        .expect("asked for the detailed frame");
    serde_json::from_str(&text).unwrap()
}

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {list}"))
}

#[test]
fn a_desktop_shows_disk_models_and_its_link() {
    let detail = detail_of("amd-gpu-desktop");
    let nvme = named(&detail["disk_info"], "nvme0n1");
    assert_eq!(nvme["model"], "Samsung SSD 980 PRO 1TB");
    assert_eq!(nvme["size"], 1_000_204_886_016_u64);
    assert_eq!(nvme["rotational"], false);
    assert!(nvme["vendor"].is_null(), "NVMe has no vendor file");
    let sda = named(&detail["disk_info"], "sda");
    assert_eq!(
        (&sda["vendor"], &sda["rotational"]),
        (&"ATA".into(), &true.into())
    );
    let link = named(&detail["net_info"], "enp7s0");
    assert_eq!(link["mac"], "a8:a1:59:3c:4d:21");
    assert_eq!(link["ipv4"], serde_json::json!(["192.168.1.40/24"]));
    assert_eq!(link["ipv6"][0], "fd12:3456:789a:1::40/64");
    assert_eq!(link["speed_mbps"], 2500);
    assert_eq!(link["mtu"], 1500);
    assert_eq!(link["operstate"], "up");
}

#[test]
fn what_sysfs_lacks_is_null_not_missing() {
    let detail = detail_of("real-debian-vm");
    let vda = named(&detail["disk_info"], "vda");
    assert!(vda["model"].is_null(), "virtio disks have no model file");
    assert_eq!(vda["vendor"], "0x1af4");
    let eth0 = named(&detail["net_info"], "eth0");
    assert!(eth0["speed_mbps"].is_null(), "the kernel's -1 is unknown");
    assert_eq!(eth0["ipv4"], serde_json::json!(["192.0.2.2/24"]));
    let laptop = detail_of("nvidia-laptop");
    let wlan0 = named(&laptop["net_info"], "wlan0");
    assert!(wlan0["speed_mbps"].is_null());
    let down = named(&laptop["net_info"], "enp3s0");
    assert_eq!(down["ipv4"], serde_json::json!([]));
    for info in detail["disk_info"].as_array().unwrap() {
        for key in ["name", "model", "vendor", "size", "rotational", "removable"] {
            assert!(info.get(key).is_some(), "{key} always present: {info}");
        }
    }
}

#[test]
fn every_disk_and_interface_of_a_recording_host_has_its_identity() {
    for host in ["amd-gpu-desktop", "nvidia-laptop", "real-debian-vm"] {
        let detail = detail_of(host);
        for io in detail["disk_io"].as_array().unwrap() {
            named(&detail["disk_info"], io["name"].as_str().unwrap());
        }
        for iface in detail["net"].as_object().unwrap().keys() {
            named(&detail["net_info"], iface);
        }
    }
}

#[test]
fn old_fixtures_load_and_give_empty_lists() {
    let rec = recording("vm-no-sensors");
    let (_, cur, _) = last_pair(&rec);
    assert!(cur.block_devices.is_empty() && cur.net_devices.is_empty());
    let detail = detail_of("vm-no-sensors");
    assert_eq!(detail["disk_info"], serde_json::json!([]));
    assert_eq!(detail["net_info"], serde_json::json!([]));
}

#[test]
fn the_classic_bodies_never_carry_identity() {
    for host in HOSTS {
        let golden = fixtures_dir().join("golden").join(host);
        for body in ["system.json", "frame.json", "network.json"] {
            let text = std::fs::read_to_string(golden.join(body)).unwrap();
            for key in ["disk_info", "net_info", "\"mac\"", "speed_mbps"] {
                assert!(!text.contains(key), "{host}/{body} has {key}");
            }
        }
    }
}

#[test]
fn a_detailed_frame_from_an_older_server_still_decodes() {
    let mut old = detail_of("vm-no-sensors");
    let object = old.as_object_mut().unwrap();
    object.remove("disk_info");
    object.remove("net_info");
    let frame: DetailedFrame = serde_json::from_value(old).unwrap();
    assert!(frame.disk_info.is_empty() && frame.net_info.is_empty());
}
