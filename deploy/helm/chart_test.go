// Package helm tests the Helm chart in yuqing/: it is its own Go module
// (deploy/helm/go.mod), so the Helm SDK and the Kubernetes API types are
// dependencies of this test alone, not of the yuqing binary.
package helm

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/yuqing-project/yuqing/internal/app"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// serviceMonitor is the part of the Prometheus operator's ServiceMonitor
// the chart writes (its Go types are not a dependency here); decoding is
// strict, so a key the operator does not define is an error.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// manifest is one rendered object.
type manifest struct {
	source string
	kind   string
	name   string
	obj    any
	raw    string
}

// render renders the chart with the scenario's values file, as
// `helm template yq deploy/helm/yuqing -n yuqing -f FILE` would, and decodes
// every manifest strictly into its Kubernetes API type.
func render(t *testing.T, valuesFile string) []manifest {
	t.Helper()
	ch, err := loader.Load("yuqing")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := common.ReadValuesFile(valuesFile)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := util.ToRenderValues(ch, vals, common.ReleaseOptions{Name: "yq", Namespace: "yuqing", IsInstall: true, Revision: 1}, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		t.Fatalf("render %s: %v", valuesFile, err)
	}
	var names []string
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	var ms []manifest
	for _, name := range names {
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(out[name], -1) {
			if strings.TrimSpace(doc) == "" || strings.HasSuffix(name, "NOTES.txt") || strings.HasSuffix(name, ".tpl") {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			var obj any
			switch tm.APIVersion + "/" + tm.Kind {
			case "v1/ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1/Secret":
				obj = &corev1.Secret{}
			case "v1/Service":
				obj = &corev1.Service{}
			case "apps/v1/Deployment":
				obj = &appsv1.Deployment{}
			case "apps/v1/StatefulSet":
				obj = &appsv1.StatefulSet{}
			case "batch/v1/Job":
				obj = &batchv1.Job{}
			case "policy/v1/PodDisruptionBudget":
				obj = &policyv1.PodDisruptionBudget{}
			case "networking.k8s.io/v1/NetworkPolicy":
				obj = &networkingv1.NetworkPolicy{}
			case "monitoring.coreos.com/v1/ServiceMonitor":
				obj = &serviceMonitor{}
			default:
				t.Fatalf("%s: kind %s/%s is not one the test knows", name, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Errorf("%s: %s does not decode strictly: %v\n%s", name, tm.Kind, err, doc)
				continue
			}
			var meta struct {
				Metadata metav1.ObjectMeta `json:"metadata"`
			}
			yaml.Unmarshal([]byte(doc), &meta)
			ms = append(ms, manifest{source: name, kind: tm.Kind, name: meta.Metadata.Name, obj: obj, raw: strings.TrimSpace(doc)})
		}
	}
	return ms
}

func find[T any](ms []manifest, kind string) map[string]*T {
	out := map[string]*T{}
	for _, m := range ms {
		if m.kind == kind {
			out[m.name] = m.obj.(*T)
		}
	}
	return out
}

// checkPod checks what every yuqing pod must have: probes on the HTTP
// port, resource requests and limits, a non-root read-only container, the
// config and the secrets mounted.
func checkPod(t *testing.T, what string, spec corev1.PodSpec, probes bool) {
	t.Helper()
	for _, c := range spec.Containers {
		if probes && (c.LivenessProbe == nil || c.ReadinessProbe == nil || c.StartupProbe == nil) {
			t.Errorf("%s: container %s lacks a liveness, readiness or startup probe", what, c.Name)
		}
		if c.Resources.Limits.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			t.Errorf("%s: container %s has no CPU limit or memory request", what, c.Name)
		}
		if c.SecurityContext == nil || c.SecurityContext.RunAsNonRoot == nil || !*c.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: container %s may run as root", what, c.Name)
		}
		var mounts []string
		for _, m := range c.VolumeMounts {
			mounts = append(mounts, m.MountPath)
		}
		if !slices.Contains(mounts, "/etc/yuqing/yuqing.yaml") || !slices.Contains(mounts, "/etc/yuqing/secrets") {
			t.Errorf("%s: container %s does not mount the config and the secrets: %v", what, c.Name, mounts)
		}
	}
}

// checkConfig runs yuqing's config check (what `yuqing check-config`
// runs) on the rendered yuqing.yaml, the rendered Secret's files standing
// in for /etc/yuqing/secrets.
func checkConfig(t *testing.T, ms []manifest) {
	t.Helper()
	dir := t.TempDir()
	for _, s := range find[corev1.Secret](ms, "Secret") {
		for name, b := range s.Data {
			os.WriteFile(filepath.Join(dir, name), b, 0o600)
		}
	}
	cms := find[corev1.ConfigMap](ms, "ConfigMap")
	if len(cms) != 1 {
		t.Fatalf("%d ConfigMaps; want the config", len(cms))
	}
	for _, cm := range cms {
		cfg := strings.ReplaceAll(cm.Data["yuqing.yaml"], "/etc/yuqing/secrets/", dir+"/")
		path := filepath.Join(dir, "yuqing.yaml")
		os.WriteFile(path, []byte(cfg), 0o644)
		if _, err := app.LoadConfig(path, nil); err != nil {
			t.Errorf("the rendered yuqing.yaml does not pass yuqing check-config:\n%v\n%s", err, cfg)
		}
	}
}

func golden(t *testing.T, name string, ms []manifest) {
	t.Helper()
	var b bytes.Buffer
	for _, m := range ms {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.source, m.raw)
	}
	path := filepath.Join("testdata", name+".yaml")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -args -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("rendered %s differs from %s (run go test -args -update if intended)", name, path)
	}
}

func TestSingleBinary(t *testing.T) {
	ms := render(t, "yuqing/ci/single-binary-values.yaml")
	golden(t, "single-binary", ms)
	sts := find[appsv1.StatefulSet](ms, "StatefulSet")
	if len(sts) != 1 || len(find[appsv1.Deployment](ms, "Deployment")) != 0 || len(find[batchv1.Job](ms, "Job")) != 0 {
		t.Fatalf("SingleBinary renders %d StatefulSets, %d Deployments, %d Jobs; want one StatefulSet only",
			len(sts), len(find[appsv1.Deployment](ms, "Deployment")), len(find[batchv1.Job](ms, "Job")))
	}
	for name, s := range sts {
		if *s.Spec.Replicas != 1 || len(s.Spec.VolumeClaimTemplates) != 1 {
			t.Errorf("%s: %d replicas, %d volume claims; want 1 and its data volume", name, *s.Spec.Replicas, len(s.Spec.VolumeClaimTemplates))
		}
		if args := s.Spec.Template.Spec.Containers[0].Args; !slices.Equal(args[len(args)-2:], []string{"-target", "all"}) {
			t.Errorf("%s runs %v; want -target all", name, args)
		}
		checkPod(t, name, s.Spec.Template.Spec, true)
	}
	if len(find[networkingv1.NetworkPolicy](ms, "NetworkPolicy")) != 1 {
		t.Error("SingleBinary has no NetworkPolicy")
	}
	checkConfig(t, ms)
}

func TestDistributed(t *testing.T) {
	ms := render(t, "yuqing/ci/distributed-values.yaml")
	golden(t, "distributed", ms)
	targets := map[string]bool{}
	for _, tg := range app.Targets() {
		targets[tg[0]] = true
	}
	deps := find[appsv1.Deployment](ms, "Deployment")
	want := map[string]int32{"crawler": 2, "analyzer": 6, "responder": 2, "console": 2}
	for target, replicas := range want {
		d, ok := deps["yq-yuqing-"+target]
		if !ok {
			t.Errorf("no Deployment for %s", target)
			continue
		}
		if *d.Spec.Replicas != replicas {
			t.Errorf("%s: %d replicas; want %d", target, *d.Spec.Replicas, replicas)
		}
		args := d.Spec.Template.Spec.Containers[0].Args
		if got := args[len(args)-1]; !targets[got] || got != target {
			t.Errorf("Deployment %s runs target %q; want %q from the module table", target, got, target)
		}
		checkPod(t, target, d.Spec.Template.Spec, true)
		if _, ok := find[policyv1.PodDisruptionBudget](ms, "PodDisruptionBudget")["yq-yuqing-"+target]; !ok {
			t.Errorf("no PodDisruptionBudget for %s", target)
		}
		if _, ok := find[networkingv1.NetworkPolicy](ms, "NetworkPolicy")["yq-yuqing-"+target]; !ok {
			t.Errorf("no NetworkPolicy for %s", target)
		}
	}
	jobs := find[batchv1.Job](ms, "Job")
	j, ok := jobs["yq-yuqing-migrate"]
	if !ok {
		t.Fatal("no migrate Job")
	}
	if hook := j.Annotations["helm.sh/hook"]; hook != "pre-install,pre-upgrade" {
		t.Errorf("migrate Job hook %q; want it to run before install and upgrade", hook)
	}
	if args := j.Spec.Template.Spec.Containers[0].Args; args[0] != "migrate" {
		t.Errorf("migrate Job runs %v", args)
	}
	checkPod(t, "migrate", j.Spec.Template.Spec, false)
	if len(find[serviceMonitor](ms, "ServiceMonitor")) != 1 {
		t.Error("no ServiceMonitor with serviceMonitor.enabled")
	}
	checkConfig(t, ms)
}
