//! Which files of a folder are manifests: YAML by extension, without other
//! tools' configuration files or Helm chart templates.

use std::path::Path;

/// A `.yaml` or `.yml` file.
pub fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// A file of a Helm chart's `templates/` folder: Go templates that are YAML
/// only once `helm template` renders them (the chart is checked that way).
pub fn is_helm_template(p: &Path) -> bool {
    p.ancestors()
        .skip(1)
        .take_while(|d| !d.as_os_str().is_empty())
        .any(|d| {
            d.file_name().is_some_and(|n| n == "templates")
                && d.parent().is_some_and(|c| c.join("Chart.yaml").is_file())
        })
}

/// YAML files of other tools found in a folder walk (Helm, Kustomize,
/// Compose), or any file whose text has a `# kourse:not-manifest` comment.
pub fn is_tool_config(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let known = matches!(
        name,
        "Chart.yaml"
            | "kustomization.yaml"
            | "kustomization.yml"
            | "compose.yaml"
            | "compose.yml"
            | "docker-compose.yaml"
            | "docker-compose.yml"
    ) || (name.starts_with("values")
        && p.parent().is_some_and(|d| d.join("Chart.yaml").is_file()));
    known || std::fs::read_to_string(p).is_ok_and(|t| t.contains("# kourse:not-manifest"))
}
