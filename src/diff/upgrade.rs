//! Kubernetes upgrades that do not do what the version change suggests.
//!
//! - Outside a ClusterClass, nothing orders a control plane upgrade before the
//!   workers': the MachineDeployment controller rolls a pool as soon as its version
//!   changes (core/reconcilers/machinedeployment/mdutil/util.go:369-373), while only
//!   the topology controller waits for the control plane
//!   (exp/topology/desiredstate/desired_state.go:1082-1134).
//! - A node's kubelet is the one baked into its VM image (kubernetes-sigs/image-builder
//!   images/capi/ansible/roles/kubernetes/tasks/debian.yml:32-41); the bootstrap only
//!   runs `kubeadm join` (bootstrap/kubeadm/pkg/cloudinit/node.go:33-36). A new version
//!   on the same image replaces every machine with one that runs the old kubelet.

use super::control_plane::{ControlPlane, Status as ControlPlaneStatus};
use super::rollout::{Pool, Roll};

const VERSION: &str = "spec.template.spec.version";
const VM_IMAGE: &str = "spec.template.spec.template";
const MACHINE_TEMPLATE: &str = "VSphereMachineTemplate";

/// The warnings for these pools and control planes, control plane first.
pub(super) fn warnings(pools: &[Pool], control_planes: &[ControlPlane]) -> Vec<String> {
    let mut out = Vec::new();
    let upgraded: Vec<&str> = pools
        .iter()
        .filter(|pool| version_change(pool).is_some())
        .map(|pool| pool.id.name.as_str())
        .collect();
    let control_plane_upgrades = control_planes
        .iter()
        .any(|plane| plane.status == ControlPlaneStatus::Upgrades);
    if control_plane_upgrades && !upgraded.is_empty() {
        out.push(format!(
            "the control plane and {} pool(s) ({}) change version in one apply: CAPI rolls the pools right away, during the control plane upgrade (outside a ClusterClass nothing waits for it). Staged: first upgrade only the control plane (keep each nodePools[].version at the current version), apply, and once the control plane is done, bump the pools",
            upgraded.len(),
            upgraded.join(", ")
        ));
    }
    for pool in pools {
        let Some((old, new)) = version_change(pool) else {
            continue;
        };
        if same_image(pool) {
            out.push(format!(
                "{}: version {old} → {new} on the same VM image: every machine is replaced by one cloned from that image, whose kubelet is still the image's; give the pool a template built for {new} (nodePools[].template)",
                pool.id.name
            ));
        }
    }
    out
}

/// The version change that rolls the pool.
fn version_change(pool: &Pool) -> Option<(String, String)> {
    pool.rolls.iter().find_map(|roll| match roll {
        Roll::Field(change) if change.path == VERSION => Some((
            super::fields::short(change.old.as_ref()),
            super::fields::short(change.new.as_ref()),
        )),
        _ => None,
    })
}

/// Whether the pool keeps its VM image: no new machine template, or a new one whose
/// `template` (the image it clones) is unchanged.
fn same_image(pool: &Pool) -> bool {
    !pool.rolls.iter().any(|roll| match roll {
        Roll::Template { kind, fields, .. } if kind == MACHINE_TEMPLATE => fields
            .as_ref()
            .is_none_or(|changed| changed.iter().any(|change| change.path == VM_IMAGE)),
        _ => false,
    })
}
