//! Which API version of each provider the output targets. The three providers are
//! upgraded on their own schedules (CAPV 1.15 serves only v1beta1 while Kamaji's
//! provider ≥ 0.20 serves only v1alpha2), so each is chosen on its own; `apiProfile`
//! is the shorthand that sets all three.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The generation of all three APIs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum ApiProfile {
    /// CAPI/CAPV `v1beta2`, Kamaji `v1alpha2` (CAPI ≥ 1.11, CAPV ≥ 1.16, Kamaji provider ≥ 0.20).
    #[default]
    #[serde(rename = "v1beta2")]
    V1beta2,
    /// CAPI/CAPV `v1beta1`, Kamaji `v1alpha1`: the chart's generation (Kamaji provider ≤ 0.19).
    #[serde(rename = "v1beta1")]
    V1beta1,
}

impl ApiProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiProfile::V1beta2 => "v1beta2",
            ApiProfile::V1beta1 => "v1beta1",
        }
    }
}

/// API version of Cluster API core (Cluster, MachineDeployment, KubeadmConfigTemplate,
/// ClusterResourceSet) or of CAPV (VSphereCluster, VSphereMachineTemplate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BetaVersion {
    /// Served by CAPI ≥ 1.11 and CAPV ≥ 1.16.
    #[serde(rename = "v1beta2")]
    V1beta2,
    /// Served by CAPI until its removal (about 1.16) and by every CAPV release.
    #[serde(rename = "v1beta1")]
    V1beta1,
}

impl BetaVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            BetaVersion::V1beta2 => "v1beta2",
            BetaVersion::V1beta1 => "v1beta1",
        }
    }
}

/// API version of the Kamaji control-plane provider (KamajiControlPlane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum KamajiVersion {
    /// Served by the provider ≥ 0.20 (and only by those).
    #[serde(rename = "v1alpha2")]
    V1alpha2,
    /// Served by the provider ≤ 0.19 (and only by those).
    #[serde(rename = "v1alpha1")]
    V1alpha1,
}

impl KamajiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            KamajiVersion::V1alpha2 => "v1alpha2",
            KamajiVersion::V1alpha1 => "v1alpha1",
        }
    }
}

/// Per-provider overrides of `apiProfile`; an unset key follows the profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ApiVersionChoice {
    /// Cluster API core: `v1beta1` or `v1beta2` (unset: from `apiProfile`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capi: Option<BetaVersion>,
    /// CAPV: `v1beta1` (CAPV 1.15 and older) or `v1beta2` (unset: from `apiProfile`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capv: Option<BetaVersion>,
    /// Kamaji control-plane provider: `v1alpha1` (≤ 0.19) or `v1alpha2` (≥ 0.20) (unset: from `apiProfile`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kamaji: Option<KamajiVersion>,
}

/// The version each provider's objects are rendered with, every choice made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedApiVersions {
    pub capi: BetaVersion,
    pub capv: BetaVersion,
    pub kamaji: KamajiVersion,
}

impl ResolvedApiVersions {
    /// The profile's versions, each replaced by the value's own choice where there is one.
    pub fn resolve(profile: ApiProfile, choice: ApiVersionChoice) -> Self {
        let (beta, kamaji) = match profile {
            ApiProfile::V1beta2 => (BetaVersion::V1beta2, KamajiVersion::V1alpha2),
            ApiProfile::V1beta1 => (BetaVersion::V1beta1, KamajiVersion::V1alpha1),
        };
        ResolvedApiVersions {
            capi: choice.capi.unwrap_or(beta),
            capv: choice.capv.unwrap_or(beta),
            kamaji: choice.kamaji.unwrap_or(kamaji),
        }
    }

    /// Every combination, for tests and CI.
    pub fn all() -> impl Iterator<Item = ResolvedApiVersions> {
        let betas = [BetaVersion::V1beta2, BetaVersion::V1beta1];
        let kamajis = [KamajiVersion::V1alpha2, KamajiVersion::V1alpha1];
        betas.into_iter().flat_map(move |capi| {
            betas.into_iter().flat_map(move |capv| {
                kamajis
                    .into_iter()
                    .map(move |kamaji| ResolvedApiVersions { capi, capv, kamaji })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_overrides_only_its_own_provider() {
        let mixed = ResolvedApiVersions::resolve(
            ApiProfile::V1beta2,
            ApiVersionChoice {
                capv: Some(BetaVersion::V1beta1),
                ..ApiVersionChoice::default()
            },
        );
        assert_eq!(mixed.capi, BetaVersion::V1beta2);
        assert_eq!(mixed.capv, BetaVersion::V1beta1);
        assert_eq!(mixed.kamaji, KamajiVersion::V1alpha2);
        assert_eq!(ResolvedApiVersions::all().count(), 8);
    }
}
