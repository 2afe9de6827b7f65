//! Pools that disappear: CAPI deletes them, machines and all, at once.
//!
//! Deleting a MachineDeployment deletes its MachineSets
//! (core/reconcilers/machinedeployment/machinedeployment_controller.go:490-500), and
//! each MachineSet deletes all of its machines at the same time
//! (core/reconcilers/machineset/machineset_controller.go:588-594): no surge, no
//! one-by-one replacement. A pool renamed in the values is such a deletion plus a new
//! MachineDeployment that creates its machines from scratch; it is recognised by its
//! VSphereMachineTemplate, whose spec does not carry the pool's name.

use super::rollout::{Pool, Status};
use super::stream::{ObjectId, Stream};
use serde_json::Value;

const INFRASTRUCTURE_REF: &[&str] = &["spec", "template", "spec", "infrastructureRef"];

/// Said of every removed pool.
pub(super) const REMOVED_NOTE: &str = "deleting a MachineDeployment deletes all its machines at once: no surge, no rolling replacement";

/// Pairs each removed pool with an added one on the same machine template and notes
/// both; notes every other removed pool.
pub(super) fn pair(pools: &mut [Pool], old: &Stream, new: &Stream) {
    let added: Vec<usize> = (0..pools.len())
        .filter(|&i| pools[i].status == Status::Added)
        .collect();
    let removed: Vec<usize> = (0..pools.len())
        .filter(|&i| pools[i].status == Status::Removed)
        .collect();
    let mut taken = vec![false; added.len()];
    for removed in removed {
        let machine = machine_spec(old, &pools[removed].id);
        let partner = added.iter().enumerate().position(|(slot, &i)| {
            !taken[slot]
                && pools[i].id.namespace == pools[removed].id.namespace
                && machine.is_some()
                && machine_spec(new, &pools[i].id) == machine
        });
        let Some(slot) = partner else {
            pools[removed].notes.push(REMOVED_NOTE.to_owned());
            continue;
        };
        taken[slot] = true;
        let added = added[slot];
        let (old_name, new_name) = (pools[removed].id.name.clone(), pools[added].id.name.clone());
        pools[removed]
            .notes
            .push(format!("renamed to {new_name}: {REMOVED_NOTE}"));
        pools[added].status = Status::Recreated;
        pools[added].notes.push(format!(
            "renamed from {old_name}: not a rolling update; {old_name} is deleted with all its machines at once and {new_name} creates its machines from scratch (keep the pool's name to roll it)"
        ));
    }
}

/// The spec of the VSphereMachineTemplate (or other infrastructure template) a
/// MachineDeployment refers to, or its name's hash suffix when the template is not in
/// the stream.
fn machine_spec(stream: &Stream, deployment: &ObjectId) -> Option<Value> {
    let reference = INFRASTRUCTURE_REF
        .iter()
        .try_fold(stream.get(deployment)?, |v, key| v.get(key))?;
    let kind = reference.get("kind")?.as_str()?;
    let name = reference.get("name")?.as_str()?;
    match stream.get(&deployment.sibling(kind, name)) {
        Some(template) => template.get("spec").cloned(),
        None => name.rsplit_once('-').map(|(_, hash)| Value::from(hash)),
    }
}
