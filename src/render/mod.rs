//! Rendering stage: typed values → Kubernetes objects, through the embedded templates.

pub(crate) mod apiserver;
pub(crate) mod config_files;
pub(crate) mod context;
mod engine;
pub mod hash;

use crate::schema::{NodePool, Values};
use crate::yaml;
use context::{ApiVersions, ClusterContext, PoolContext};
use minijinja::Value as TemplateValue;
use minijinja::value::Serde;
use rayon::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// One rendered object and the template it came from.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: String,
    pub value: Value,
}

/// A failure inside capkv itself: templates are ours, so a template that does not
/// render or does not produce YAML is a bug, never the user's input.
#[derive(Debug, thiserror::Error)]
#[error("internal error in template {template}: {message} (please report this as a capkv bug)")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

/// Whole-cluster templates (management cluster), in render order.
const CLUSTER_TEMPLATES: &[&str] = &[
    "vsphere-secret.yaml",
    "cluster.yaml",
    "kamaji-control-plane.yaml",
    "vsphere-cluster.yaml",
    "ipam.yaml",
    "vcenter-ca.yaml",
    "cpi.yaml",
    "csi-controller.yaml",
    "csi-resource-set.yaml",
    "metrics.yaml",
    "failure-domains.yaml",
    "autoscaler.yaml",
];
/// Manifests for the workload cluster: rendered like every other template, then printed
/// as YAML into ConfigMaps that a ClusterResourceSet applies.
const WORKLOAD_TEMPLATES: &[&str] = &["workload/csi-node.yaml", "workload/csi-storage-class.yaml"];
/// Their file names, which name the ConfigMaps that carry them.
const WORKLOAD_FILES: [&str; WORKLOAD_TEMPLATES.len()] =
    ["csi-node.yaml", "csi-storage-class.yaml"];
const MACHINE_TEMPLATE: &str = "vsphere-machine-template.yaml";
const KUBEADM_CONFIG_TEMPLATE: &str = "kubeadmconfig-template.yaml";
const MACHINE_DEPLOYMENT: &str = "machine-deployment.yaml";
const MACHINE_HEALTH_CHECK: &str = "machine-health-check.yaml";
/// The template that carries the workload manifests (rendering it renders them).
const CSI_RESOURCE_SET: &str = "csi-resource-set.yaml";
/// From this many node pools on, rendering them on several threads gains more than
/// starting the threads costs (scripts/bench measures 10, 100 and 1,000 pools).
const POOLS_WORTH_THREADS: usize = 32;

/// The embedded templates, compiled by minijinja when first rendered.
#[derive(Debug)]
pub struct Renderer {
    env: minijinja::Environment<'static>,
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer {
            env: engine::environment(),
        }
    }
}

impl Renderer {
    /// Renders every object of the cluster. Templates are compiled once per process;
    /// each pool renders its templates once per object.
    pub fn render(
        &self,
        values: &Values,
        cluster: &str,
        namespace: &str,
    ) -> Result<Vec<Document>, RenderError> {
        self.render_with(values, cluster, namespace, |template, value| Document {
            source: format!("templates/{template}"),
            value: value.clone(),
        })
    }

    /// Renders every object like [`Renderer::render`] and hands each, with the name of
    /// its template, to `finish` as soon as it is rendered; the results come back in
    /// render order (whole-cluster templates, then the pools in values order). The
    /// object itself is gone after `finish`: a large cluster never holds all of its
    /// objects as values at once.
    pub fn render_with<T: Send>(
        &self,
        values: &Values,
        cluster: &str,
        namespace: &str,
        finish: impl Fn(&str, &Value) -> T + Sync,
    ) -> Result<Vec<T>, RenderError> {
        let ctx =
            ClusterContext::new(values, cluster, namespace).map_err(|reason| RenderError {
                template: "csi-controller.yaml".into(),
                message: format!("csi-vsphere.conf: a value {reason}"),
            })?;
        let failure_domains = ctx.names.failure_domains.clone();
        let ip_pools = ctx.names.ip_pools.clone();
        // Converted once and shared by reference by every template and pool.
        let ctx = TemplateValue::from(Serde(&ctx));
        let hash_api = (values.api() != hash::API_VERSIONS)
            .then(|| TemplateValue::from(Serde(&ApiVersions::of(hash::API_VERSIONS))));
        let mut documents =
            Vec::with_capacity(CLUSTER_TEMPLATES.len() + 4 * values.node_pools.len());
        for name in CLUSTER_TEMPLATES {
            self.render_cluster_template(name, &ctx, &finish, &mut documents)?;
        }
        let inputs = PoolInputs {
            cluster,
            control_plane_version: &values.cluster.control_plane.version,
            failure_domains: &failure_domains,
            ip_pools: &ip_pools,
            hash_api: hash_api.as_ref(),
        };
        let render_pool = |pool| self.render_pool(&ctx, &inputs, pool, &finish);
        let pools: Vec<Vec<T>> = if values.node_pools.len() < POOLS_WORTH_THREADS {
            values
                .node_pools
                .iter()
                .map(render_pool)
                .collect::<Result<_, _>>()?
        } else {
            // Pools are independent: rayon renders them on every CPU, in values order.
            values
                .node_pools
                .par_iter()
                .map(render_pool)
                .collect::<Result<_, _>>()?
        };
        documents.extend(pools.into_iter().flatten());
        Ok(documents)
    }

    /// The objects of one whole-cluster template.
    fn render_cluster_template<T>(
        &self,
        name: &str,
        cluster_ctx: &TemplateValue,
        finish: &(impl Fn(&str, &Value) -> T + Sync),
        documents: &mut Vec<T>,
    ) -> Result<(), RenderError> {
        let ctx = if name == CSI_RESOURCE_SET {
            let workload = self.render_workload(cluster_ctx)?;
            minijinja::value::merge_maps([minijinja::context! { workload }, cluster_ctx.clone()])
        } else {
            cluster_ctx.clone()
        };
        let objects = self.render_objects(name, ctx)?;
        documents.extend(objects.iter().map(|doc| finish(name, doc)));
        Ok(())
    }

    /// The workload cluster's manifests by file name, each a plain multi-document
    /// stream, for the ClusterResourceSet's ConfigMaps. A manifest that renders nothing
    /// is left out.
    fn render_workload(
        &self,
        cluster_ctx: &TemplateValue,
    ) -> Result<BTreeMap<&'static str, String>, RenderError> {
        let mut workload = BTreeMap::new();
        for name in WORKLOAD_TEMPLATES {
            let docs = self.render_objects(name, cluster_ctx.clone())?;
            if !docs.is_empty() {
                let file = name.rsplit('/').next().unwrap_or(name);
                workload.insert(file, yaml::emit_stream(&docs));
            }
        }
        Ok(workload)
    }

    /// The objects of a pool: its two templates, its MachineDeployment and, when the
    /// pool has one, its MachineHealthCheck.
    fn render_pool<T>(
        &self,
        cluster_ctx: &TemplateValue,
        inputs: &PoolInputs<'_>,
        pool: &NodePool,
        finish: &(impl Fn(&str, &Value) -> T + Sync),
    ) -> Result<Vec<T>, RenderError> {
        let pool_ctx = PoolContext::new(
            inputs.cluster,
            pool,
            inputs.control_plane_version,
            inputs.failure_domains,
            inputs.ip_pools,
        );
        let mut documents = Vec::with_capacity(2 + 2 * pool_ctx.deployments.len());
        // Converted once and shared by the pool's templates.
        let pool_value = TemplateValue::from(Serde(&pool_ctx));
        let ctx = with_pool(cluster_ctx, pool_value.clone());
        let hashed = |template, base| Hashed {
            template,
            base,
            hash_api: inputs.hash_api,
        };
        let (machine_template, done) = self.render_hashed(
            hashed(MACHINE_TEMPLATE, &pool_ctx.names.machine_template_base),
            ctx.clone(),
            finish,
        )?;
        documents.push(done);
        let (kubeadm_config, done) = self.render_hashed(
            hashed(KUBEADM_CONFIG_TEMPLATE, &pool_ctx.names.kubeadm_config_base),
            ctx.clone(),
            finish,
        )?;
        documents.push(done);
        // The MachineDeployments refer to both templates by their final names.
        let names = minijinja::context! { machine_template, kubeadm_config };
        let pool_value = minijinja::value::merge_maps([names, pool_value]);
        for deployment in &pool_ctx.deployments {
            let ctx = minijinja::value::merge_maps([
                minijinja::context! { pool => pool_value.clone(), deployment => Serde(deployment) },
                cluster_ctx.clone(),
            ]);
            for template in [MACHINE_DEPLOYMENT, MACHINE_HEALTH_CHECK] {
                let objects = self.render_objects(template, ctx.clone())?;
                documents.extend(objects.iter().map(|doc| finish(template, doc)));
            }
        }
        Ok(documents)
    }

    /// The objects a template defines, in its order.
    fn render_objects(&self, name: &str, ctx: TemplateValue) -> Result<Vec<Value>, RenderError> {
        engine::render(&self.env, name, ctx).map_err(|e| RenderError {
            template: name.to_owned(),
            message: template_error(&e),
        })
    }

    /// Renders a one-object template, names the object `<base>-<hash of its spec>` and
    /// hands it to `finish`; returns its name and what `finish` returned. The hash is
    /// taken from the spec as rendered with [`hash::API_VERSIONS`]: switching the API
    /// version of the output (a map of kubelet flags in v1beta1, a list in v1beta2)
    /// must not rename a template, since a new name rolls the pool.
    fn render_hashed<T>(
        &self,
        hashed: Hashed<'_>,
        ctx: TemplateValue,
        finish: &(impl Fn(&str, &Value) -> T + Sync),
    ) -> Result<(String, T), RenderError> {
        let name = hashed.template;
        let mut doc = self.render_one(name, ctx.clone())?;
        let hash = match hashed.hash_api {
            Some(api) => {
                let ctx = minijinja::value::merge_maps([ctx, minijinja::context! { api }]);
                let reference = self.render_one(name, ctx)?;
                hash::spec_hash(reference.get("spec").unwrap_or(&Value::Null))
            }
            None => hash::spec_hash(doc.get("spec").unwrap_or(&Value::Null)),
        };
        let final_name = format!("{}-{hash}", hashed.base);
        if let Some(Value::Object(metadata)) = doc.get_mut("metadata") {
            metadata.insert("name".to_owned(), Value::String(final_name.clone()));
        }
        Ok((final_name, finish(name, &doc)))
    }

    /// The one object a template renders.
    fn render_one(&self, name: &str, ctx: TemplateValue) -> Result<Value, RenderError> {
        let mut docs = self.render_objects(name, ctx)?;
        match (docs.pop(), docs.is_empty()) {
            (Some(doc), true) => Ok(doc),
            _ => Err(RenderError {
                template: name.to_owned(),
                message: "must render exactly one object".into(),
            }),
        }
    }
}

/// A template whose object is named after the hash of its spec.
struct Hashed<'a> {
    template: &'a str,
    /// The name before the hash.
    base: &'a str,
    /// The API versions to hash with, when the output's differ from them.
    hash_api: Option<&'a TemplateValue>,
}

/// What every pool's objects need from the cluster.
struct PoolInputs<'a> {
    cluster: &'a str,
    control_plane_version: &'a str,
    /// The object name of each failure domain.
    failure_domains: &'a BTreeMap<String, String>,
    /// The InClusterIPPool of each `ipamProvider.additionalPools[].name`.
    ip_pools: &'a BTreeMap<String, String>,
    /// [`hash::API_VERSIONS`] for the templates, when the output uses other versions.
    hash_api: Option<&'a TemplateValue>,
}

/// The cluster context (converted once, shared by reference) overlaid with one pool:
/// converting the whole values tree per pool would make rendering quadratic.
fn with_pool(cluster: &TemplateValue, pool: TemplateValue) -> TemplateValue {
    minijinja::value::merge_maps([minijinja::context! { pool }, cluster.clone()])
}

/// The error's own text and location only: minijinja's debug dump would print the
/// template context, which holds credentials.
fn template_error(err: &minijinja::Error) -> String {
    match err.line() {
        Some(line) => format!("{err} (line {line})"),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn workload_files_are_the_workload_templates_file_names() {
        let files: Vec<&str> = super::WORKLOAD_TEMPLATES
            .iter()
            .map(|t| t.rsplit('/').next().unwrap_or(t))
            .collect();
        assert_eq!(files, super::WORKLOAD_FILES);
    }

    use super::*;

    /// Every embedded template is rendered: none is forgotten in the lists above.
    #[test]
    fn the_template_lists_name_every_template_once() {
        let mut listed: Vec<&str> = CLUSTER_TEMPLATES
            .iter()
            .chain(WORKLOAD_TEMPLATES)
            .chain(&[
                MACHINE_TEMPLATE,
                KUBEADM_CONFIG_TEMPLATE,
                MACHINE_DEPLOYMENT,
                MACHINE_HEALTH_CHECK,
            ])
            .copied()
            .collect();
        listed.sort_unstable();
        let embedded: Vec<&str> = engine::SOURCES.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed, embedded);
        assert!(CLUSTER_TEMPLATES.contains(&CSI_RESOURCE_SET));
    }
}
