//! `/proc/mounts`: which mounted filesystems are real disks.

/// One line of `/proc/mounts` that names a real filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountEntry {
    /// The device, e.g. `/dev/vda1` (or `overlay` for a container's root).
    pub device: String,
    /// Where it is mounted, with `\040`-style escapes decoded.
    pub mount_point: String,
    /// The filesystem type, e.g. `ext4`.
    pub fs_type: String,
}

/// Filesystem types that hold no user data: kernel interfaces, memory-backed and helper mounts.
///
/// `tmpfs` is left out on purpose (it is RAM, shown by the memory gauge); `overlay` is kept because
/// it is the root filesystem inside a container; `squashfs` (snaps, live media) is read-only images.
const PSEUDO_FS: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nsfs",
    "proc",
    "pstore",
    "ramfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tmpfs",
    "tracefs",
];

/// Parses `/proc/mounts` into the real filesystems, one per device, in file order.
///
/// Pseudo filesystems (`proc`, `sysfs`, `tmpfs`, `cgroup`, ..., `fuse.*` helpers but not
/// `fuseblk`) are skipped. A device mounted more than once (bind mounts, btrfs subvolumes) is
/// kept once, at `/` when it is mounted there, else at its first mount point. Lines with fewer
/// than three fields are skipped.
pub fn parse_mounts(text: &str) -> Vec<MountEntry> {
    let mut entries: Vec<MountEntry> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_ascii_whitespace();
        let (Some(device), Some(mount_point), Some(fs_type)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if is_pseudo(fs_type) {
            continue;
        }
        let entry = MountEntry {
            device: unescape(device),
            mount_point: unescape(mount_point),
            fs_type: fs_type.to_owned(),
        };
        match entries.iter_mut().find(|e| e.device == entry.device) {
            Some(existing) if entry.mount_point == "/" => *existing = entry,
            Some(_) => {}
            None => entries.push(entry),
        }
    }
    entries
}

fn is_pseudo(fs_type: &str) -> bool {
    PSEUDO_FS.contains(&fs_type)
        || (fs_type.starts_with("fuse.") || fs_type == "fuse") && fs_type != "fuseblk"
}

/// Decodes the octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash) the
/// kernel writes in `/proc/mounts`; anything else is kept as is.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], octal) {
            (b'\\', Some(d)) => {
                let value = d.iter().fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
devtmpfs /dev devtmpfs rw,relatime,size=12334460k 0 0
tmpfs /dev/shm tmpfs rw,relatime 0 0
/dev/vda1 / ext4 rw,relatime 0 0
/dev/vda2 /home ext4 rw,relatime 0 0
/dev/vda1 /var/lib/docker ext4 rw,relatime 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,relatime 0 0
/dev/loop0 /snap/core/1 squashfs ro 0 0
gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw 0 0
/dev/sdb1 /media/usb\\040stick fuseblk rw 0 0
";

    fn points(entries: &[MountEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.mount_point.as_str()).collect()
    }

    #[test]
    fn keeps_real_filesystems_once_per_device() {
        let entries = parse_mounts(HOST);
        assert_eq!(points(&entries), ["/", "/home", "/media/usb stick"]);
        assert_eq!(entries[0].device, "/dev/vda1");
        assert_eq!(entries[0].fs_type, "ext4");
    }

    #[test]
    fn prefers_root_when_a_device_is_mounted_there_later() {
        let text = "/dev/sda2 /home btrfs rw 0 0\n/dev/sda2 / btrfs rw 0 0\n";
        assert_eq!(points(&parse_mounts(text)), ["/"]);
    }

    #[test]
    fn keeps_a_container_overlay_root() {
        let text = "overlay / overlay rw,lowerdir=/a 0 0\n/dev/vda1 /etc/hosts ext4 rw 0 0\n";
        assert_eq!(points(&parse_mounts(text)), ["/", "/etc/hosts"]);
    }

    #[test]
    fn malformed_lines_and_escapes_do_not_panic() {
        let text = "\n/dev/x\n/dev/y /only-two\n/dev/z /a\\04 ext4\n/dev/w /b\\777\\ ext4\n";
        let entries = parse_mounts(text);
        assert_eq!(points(&entries), ["/a\\04", "/b?\\"]);
    }
}
