#!/usr/bin/env python3
"""Analyzer cost benchmark: generates a large synthetic project that uses the tenant APIs and builds it
alternately with and without the TenantContext analyzers, reporting the analyzer time (csc ReportAnalyzer)
against the compile time, and the whole-build wall time ratio (medians).

Usage: python3 analyzer_cost.py [--files 2000] [--runs 3] [--work /tmp/tc-analyzer-cost] [--compare-analyzers OLD.dll]
The script builds the core and the analyzers from this checkout into <work>/artifacts. With --compare-analyzers, every
run also builds with that analyzer assembly (say, one built from an older commit), so "before" and "after" are
measured in the same run, under the same load.
"""
import argparse, os, re, resource, shutil, statistics, subprocess, sys, time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

FILE_TEMPLATE = """using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Tenancy;

namespace Synthetic.Area{area};

public sealed class Service{n}
{{
    private readonly List<int> _values = new();
    private static readonly string s_name = "service-{n}";

    [RequiresTenant]
    public string Describe(int count)
    {{
        var storage = Accessors.Storage;
        var root = storage.Root;
        var parts = new List<string>();
        for (var i = 0; i < count; i++)
        {{
            parts.Add(root + "/" + i.ToString());
        }}

        return string.Join(",", parts.Where(p => p.Length > 3).Select(p => p.ToUpperInvariant()));
    }}

    public string Run(string tenant)
    {{
        using (TenantContext.Enter(tenant))
        {{
            var text = Describe(3);
            var db = TenantContext.GetDb();
            return text + db.GetHashCode().ToString();
        }}
    }}

    public async Task<int> RunAsync(string tenant)
    {{
        await using var scope = TenantContext.Enter(tenant);
        await Task.Yield();
        var renderer = TenantContext.GetRenderer();
        return renderer.Render("# {n}").Length + Compute(7);
    }}

    public int Compute(int seed)
    {{
        var total = 0;
        foreach (var value in _values)
        {{
            total += value * seed;
            if (total > 1000)
            {{
                total %= 97;
            }}
        }}

        switch (seed % 4)
        {{
            case 0: total += 1; break;
            case 1: total += 2; break;
            case 2: total -= 1; break;
            default: total ^= 3; break;
        }}

        return total + s_name.Length;
    }}

    public string Format(IEnumerable<int> numbers) =>
        string.Concat(numbers.Select(x => x % 2 == 0 ? x.ToString() : (-x).ToString()));

    public object? Maybe() => TenantContext.IsActive ? Accessors.Storage : null;

    public T Pick<T>(IReadOnlyList<T> items, int index) => items.Count == 0 ? default! : items[index % items.Count];

    public IEnumerable<string> Lines(string text)
    {{
        foreach (var line in text.Split('\\n'))
        {{
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {{
                continue;
            }}

            yield return trimmed.StartsWith("#", StringComparison.Ordinal) ? trimmed.Substring(1) : trimmed;
        }}
    }}

    public int Sum(int[] values)
    {{
        var sum = 0;
        for (var i = 0; i < values.Length; i++)
        {{
            sum += values[i];
        }}

        return sum;
    }}
}}
"""

COMMON = """using Tenancy;

namespace Synthetic;

[TenantAccessors]
public static class Accessors
{
    public static ITenantStorage Storage => TenantAccessor.Get<ITenantStorage>("Accessors.Storage");
}
"""

PROJECT = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <OutputType>Library</OutputType>
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
    <NoWarn>$(NoWarn);CS1591</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="TenantContext" HintPath="{core}" />
  </ItemGroup>
  <ItemGroup Condition="'$(WithTenantAnalyzers)' == 'true'">
    <Analyzer Include="$(TenantAnalyzers)" Condition="'$(TenantAnalyzers)' != ''" />
    <Analyzer Include="{analyzers}" Condition="'$(TenantAnalyzers)' == ''" />
  </ItemGroup>
</Project>
"""


def cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args, cwd, env=None, cpu=None):
    started = time.monotonic()
    cpu_before = cpu_of_children()
    result = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - started
    if cpu is not None:
        # CPU seconds of the build and every process it waited for (the compiler runs as a child: no build server).
        cpu.append(cpu_of_children() - cpu_before)
    if result.returncode != 0:
        sys.exit(f"'{' '.join(args)}' failed:\n{result.stdout[-4000:]}")
    return elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default="/tmp/tc-analyzer-cost")
    parser.add_argument("--compare-analyzers", help="an older TenantContext.Analyzers.dll to measure in the same runs")
    options = parser.parse_args()

    env = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1", TC_ARTIFACTS=os.path.join(options.work, "artifacts"))
    env.pop("MSBUILDNOINPROCNODE", None)
    shutil.rmtree(os.path.join(options.work, "project"), ignore_errors=True)
    project = os.path.join(options.work, "project")
    os.makedirs(project)

    run(["dotnet", "build", os.path.join(REPO, "analyzers", "TenantContext.Analyzers"), "-c", "Release"], REPO, env)
    run(["dotnet", "build", os.path.join(REPO, "src", "TenantContext"), "-c", "Release"], REPO, env)
    core = os.path.join(env["TC_ARTIFACTS"], "bin", "TenantContext", "release", "TenantContext.dll")
    analyzers = os.path.join(env["TC_ARTIFACTS"], "bin", "TenantContext.Analyzers", "release", "TenantContext.Analyzers.dll")

    lines = 0
    for n in range(options.files):
        text = FILE_TEMPLATE.format(n=n, area=n // 100)
        lines += text.count("\n")
        with open(os.path.join(project, f"Service{n}.cs"), "w") as f:
            f.write(text)
    with open(os.path.join(project, "Accessors.cs"), "w") as f:
        f.write(COMMON)
    with open(os.path.join(project, "Synthetic.csproj"), "w") as f:
        f.write(PROJECT.format(core=core, analyzers=analyzers))
    for name in ("Directory.Build.props", "Directory.Packages.props"):
        with open(os.path.join(project, name), "w") as f:
            f.write("<Project />")
    print(f"synthetic project: {options.files + 1} files, {lines} lines")

    build_env = dict(env)
    build_env.pop("TC_ARTIFACTS")
    run(["dotnet", "restore"], project, build_env)
    # Variants, alternated within every run: no analyzers, this checkout's analyzers, and optionally older ones.
    variants = [("without", []), ("with", ["-p:WithTenantAnalyzers=true"])]
    if options.compare_analyzers:
        variants.append(("compare", ["-p:WithTenantAnalyzers=true", f"-p:TenantAnalyzers={os.path.abspath(options.compare_analyzers)}"]))
    walls = {name: [] for name, _ in variants}
    cpus = {name: [] for name, _ in variants}
    shares = {name: [] for name, _ in variants if name != "without"}
    for i in range(options.runs):
        for name, properties in variants:
            binlog = os.path.join(options.work, f"build-{i}-{name}.binlog")
            elapsed, _ = run(["dotnet", "build", "--no-restore", "--no-incremental", "-nodeReuse:false",
                              "-p:UseSharedCompilation=false", *properties, "-p:ReportAnalyzer=true", f"-bl:{binlog}"],
                             project, build_env, cpus[name])
            walls[name].append(elapsed)
            if name != "without":
                _, replay = run(["dotnet", "msbuild", binlog, "-v:d", "-clp:PerformanceSummary"], project, build_env)
                total = re.search(r"Total analyzer execution time: ([\d.]+) seconds", replay)
                ours = sum(float(m) for m in re.findall(r"([\d.]+)\s+\d+\s+TenantContext\.Analyzers,", replay))
                csc = re.search(r"(\d+) ms\s+Csc\s+\d+ calls", replay)
                per_rule = re.findall(r"^\s+([<\d.]+)\s+([<\d]+)\s+(Tenancy\.Analyzers\.\w+)", replay, re.MULTILINE)
                compile_s = int(csc.group(1)) / 1000 if csc else float("nan")
                ours = ours or sum(float(t) for t, _, _ in per_rule if not t.startswith("<"))
                shares[name].append((ours, float(total.group(1)) if total else float("nan"), compile_s))
                print(f"run {i} {name}: TenantContext analyzers {ours:.3f}s ({100 * ours / compile_s:.1f}%), all analyzers {total.group(1) if total else '?'}s, Csc {compile_s:.1f}s")
                for t, pct, rule in per_rule:
                    print(f"    {rule}: {t}s ({pct}%)")
            print(f"run {i}: build {name} {elapsed:.1f}s wall, {cpus[name][-1]:.1f}s CPU, load average {os.getloadavg()[0]:.1f}", flush=True)

    for name, measured in shares.items():
        label = "this checkout" if name == "with" else os.path.basename(options.compare_analyzers)
        ours = statistics.median(s[0] for s in measured)
        compile_s = statistics.median(s[2] for s in measured)
        share = statistics.median(100 * s[0] / s[2] for s in measured)
        ratio = statistics.median(walls[name]) / statistics.median(walls["without"])
        print(f"{name} ({label}): median TenantContext analyzer time {ours:.2f}s of {compile_s:.1f}s compile; median share {share:.1f}% (target <= 3%)")
        print(f"{name} ({label}): median wall time with/without analyzers: {statistics.median(walls[name]):.1f}s / {statistics.median(walls['without']):.1f}s = {ratio:.3f}x (target <= 1.05x)")
        cpu_ratio = statistics.median(cpus[name]) / statistics.median(cpus["without"])
        print(f"{name} ({label}): median build CPU time with/without analyzers: {statistics.median(cpus[name]):.1f}s / {statistics.median(cpus['without']):.1f}s = {cpu_ratio:.3f}x")


if __name__ == "__main__":
    main()
