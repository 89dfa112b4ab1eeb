using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using Microsoft.CodeAnalysis.Text;
using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests;

/// <summary>
/// A compilation that does not reference the runtime (a library such as Dapper or MediatR built next to a tenant-aware
/// app) costs next to nothing: every analyzer stops in its compilation-start action and registers no other action, so
/// the driver never calls back into the analyzers for the compilation's operations, symbols or files. Counted through
/// the driver's own telemetry (which counts registered actions, not time).
/// </summary>
public class CompilationStartTests
{
    // Ordinary library code with every kind of operation and declaration the analyzers listen to, names that look like
    // the runtime's but live elsewhere, EF Core's types (matched by name), and a TenantSingletons.txt the runtime-less
    // compilation must not read.
    private const string Library = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Lookalike
        {
            public sealed class RequiresTenantAttribute : Attribute { }
            public sealed class TenantAccessorsAttribute : Attribute { }
            public static class TenantContext { public static object GetDb() => new(); public static IDisposable Enter(string t) => null!; }
        }

        namespace Data
        {
            public interface IRepository { Task<int> CountAsync(CancellationToken ct); }

            public struct Money
            {
                public decimal Amount;
                public static Money operator +(Money a, Money b) => new() { Amount = a.Amount + b.Amount };
                public static implicit operator decimal(Money m) => m.Amount;
            }

            public abstract class Base { public abstract string Name { get; } public virtual void Save() { } }

            [Lookalike.TenantAccessors]
            public sealed class Repository : Base, IRepository
            {
                private static readonly Dictionary<string, object> s_cache = new();
                private readonly List<int> _items = new();
                public event EventHandler? Changed;
                public override string Name => "repo";

                [Lookalike.RequiresTenant]
                public override void Save()
                {
                    s_cache["db"] = Lookalike.TenantContext.GetDb();
                    using (Lookalike.TenantContext.Enter("acme")) { Changed?.Invoke(this, EventArgs.Empty); }
                    ThreadPool.UnsafeQueueUserWorkItem(_ => _items.Add(1), null);
                    _ = Task.Run(() => _items.Count);
                    using (ExecutionContext.SuppressFlow()) { _ = Task.Run(Save); }
                    var total = new Money() + new Money();
                    decimal amount = total;
                    _items.Add((int)amount);
                }

                public Task<int> CountAsync(CancellationToken ct) => Task.FromResult(_items.Where(i => i > 0).Sum());
            }
        }
        """;

    // A field and a method listed: with the runtime, TC1002 looks at field reads and at calls, method groups, events and
    // constructors too.
    private const string SingletonList = "F:Data.Repository.s_cache\nM:Data.Base.Save\n";

    [Fact]
    public async Task Without_the_runtime_every_analyzer_stops_at_compilation_start()
    {
        var telemetry = await TelemetryAsync(referenceRuntime: false);

        Assert.All(telemetry, entry =>
        {
            Assert.Equal(1, entry.Info.CompilationStartActionsCount);
            Assert.True(Registered(entry.Info) == 0, $"{entry.Name} registered {Registered(entry.Info)} actions in a compilation without the runtime");
        });
    }

    [Fact]
    public async Task With_the_runtime_every_analyzer_registers_its_actions()
    {
        // The other half of the test above: the count it asserts is zero is not zero by construction.
        var telemetry = await TelemetryAsync(referenceRuntime: true);

        Assert.All(telemetry, entry => Assert.True(Registered(entry.Info) > 0, $"{entry.Name} registered nothing"));
    }

    [Fact]
    public async Task TC1001_listens_to_operators_only_when_the_compilation_declares_one()
    {
        // Operators and conversions are the most frequent operations; only a user-defined one can be tenant-scoped.
        const string Plain = "namespace N { class C { decimal M(int a, long b) => a + b + 1m; } }";
        const string WithOperator = "namespace N { struct Money { public static Money operator +(Money a, Money b) => a; } }";

        var plain = (await RegistrationsAsync(Plain)).SelectMany(a => a.Actions).SelectMany(kinds => kinds).ToList();
        var withOperator = (await RegistrationsAsync(WithOperator)).SelectMany(a => a.Actions).SelectMany(kinds => kinds).ToList();

        OperationKind[] operators = [OperationKind.BinaryOperator, OperationKind.UnaryOperator, OperationKind.Conversion, OperationKind.CompoundAssignment];
        Assert.All(operators, kind => Assert.DoesNotContain(kind, plain));
        Assert.All(operators, kind => Assert.Contains(kind, withOperator));
    }

    [Fact]
    public async Task Every_operation_kind_is_listened_to_by_one_action_of_one_analyzer()
    {
        // The compiler calls back once per operation and per action listening to its kind: with each rule registering
        // its own actions, every invocation cost seven callbacks (TC1001-TC1006, TC1010) and every property read two.
        // TenantOperationsAnalyzer runs all the rules' checks from one action per operation kind.
        var analyzers = await RegistrationsAsync(Library);

        var listening = analyzers.Where(a => a.Actions.Count > 0).Select(a => a.Inner.GetType().Name).ToArray();
        Assert.Equal(new[] { nameof(TenantOperationsAnalyzer) }, listening);
        var kinds = analyzers.SelectMany(a => a.Actions).SelectMany(kinds => kinds).ToList();
        Assert.Single(kinds, kind => kind == OperationKind.Invocation);
        var twice = kinds.GroupBy(kind => kind).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({g.Count()} actions)").ToArray();
        Assert.True(twice.Length == 0, "listened to by more than one action: " + string.Join(", ", twice));
    }

    [Fact]
    public async Task A_rule_switched_off_for_the_whole_compilation_adds_no_check()
    {
        // The compiler skips an analyzer all of whose rules are off, not one rule of several: TenantOperationsAnalyzer
        // leaves a switched-off rule's check out itself. Property reads are looked at by TC1001 and TC1002 only.
        string[] operationRules = ["TC1001", "TC1002", "TC1003", "TC1004", "TC1005", "TC1006", "TC1010"];
        var all = Kinds(await RegistrationsAsync(Library));
        var readsOff = Kinds(await RegistrationsAsync(Library, o => o.WithSpecificDiagnosticOptions(Off("TC1001", "TC1002"))));
        var everyFileOff = Kinds(await RegistrationsAsync(Library, o => o.WithSyntaxTreeOptionsProvider(new PerFile(off: true, "TC1001", "TC1002"))));
        var allOff = Kinds(await RegistrationsAsync(Library, o => o.WithSpecificDiagnosticOptions(Off(operationRules))));

        Assert.Contains(OperationKind.PropertyReference, all);
        Assert.DoesNotContain(OperationKind.PropertyReference, readsOff);
        Assert.Contains(OperationKind.Invocation, readsOff);
        Assert.DoesNotContain(OperationKind.PropertyReference, everyFileOff);
        Assert.Empty(allOff);
    }

    [Fact]
    public async Task A_rule_switched_on_anywhere_keeps_its_check()
    {
        // Off globally but on in one file (.editorconfig), or off in one file only: the check runs.
        var onInOneFile = Kinds(await RegistrationsAsync(Library, o => o
            .WithSpecificDiagnosticOptions(Off("TC1001", "TC1002"))
            .WithSyntaxTreeOptionsProvider(new PerFile(off: false, "TC1001", "TC1002") { OnlyFirstFile = true })));
        var offInOneFile = Kinds(await RegistrationsAsync(Library, o => o
            .WithSyntaxTreeOptionsProvider(new PerFile(off: true, "TC1001", "TC1002") { OnlyFirstFile = true })));

        Assert.Contains(OperationKind.PropertyReference, onInOneFile);
        Assert.Contains(OperationKind.PropertyReference, offInOneFile);
    }

    private static IEnumerable<KeyValuePair<string, ReportDiagnostic>> Off(params string[] ids) =>
        ids.Select(id => KeyValuePair.Create(id, ReportDiagnostic.Suppress));

    /// <summary>Per-file severities, as <c>.editorconfig</c> gives them: the rules <c>none</c> (or <c>warning</c>) in every file, or in the first only.</summary>
    private sealed class PerFile(bool off, params string[] ids) : SyntaxTreeOptionsProvider
    {
        private SyntaxTree? _first;

        public bool OnlyFirstFile { get; init; }

        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            Interlocked.CompareExchange(ref _first, tree, null);
            severity = off ? ReportDiagnostic.Suppress : ReportDiagnostic.Warn;
            return ids.Contains(diagnosticId) && (!OnlyFirstFile || tree == _first);
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
    }

    /// <summary>Every analyzer over <paramref name="source"/> (with the runtime and a singleton list), each with the operation actions it registered.</summary>
    private static async Task<OperationRegistrations[]> RegistrationsAsync(string source, Func<CSharpCompilationOptions, CSharpCompilationOptions>? configure = null)
    {
        var analyzers = TestReferences.AllAnalyzers().Select(a => new OperationRegistrations(a)).ToArray();
        await AnalyzeAsync(referenceRuntime: true, source, [.. analyzers], configure);
        return analyzers;
    }

    private static List<OperationKind> Kinds(OperationRegistrations[] analyzers) => analyzers.SelectMany(a => a.Actions).SelectMany(kinds => kinds).ToList();

    private static int Registered(AnalyzerTelemetryInfo info) =>
        info.OperationActionsCount + info.OperationBlockActionsCount + info.OperationBlockStartActionsCount + info.OperationBlockEndActionsCount
        + info.SymbolActionsCount + info.SymbolStartActionsCount + info.SymbolEndActionsCount
        + info.SyntaxNodeActionsCount + info.SyntaxTreeActionsCount + info.AdditionalFileActionsCount + info.SemanticModelActionsCount
        + info.CodeBlockActionsCount + info.CodeBlockStartActionsCount + info.CodeBlockEndActionsCount
        + info.CompilationActionsCount + info.CompilationEndActionsCount;

    private static async Task<List<(string Name, AnalyzerTelemetryInfo Info)>> TelemetryAsync(bool referenceRuntime, string source = Library)
    {
        var analyzers = TestReferences.AllAnalyzers();
        var withAnalyzers = await AnalyzeAsync(referenceRuntime, source, analyzers);
        var telemetry = new List<(string, AnalyzerTelemetryInfo)>();
        foreach (var analyzer in analyzers)
        {
            telemetry.Add((analyzer.GetType().Name, await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)));
        }

        return telemetry;
    }

    private static async Task<CompilationWithAnalyzers> AnalyzeAsync(
        bool referenceRuntime, string source, ImmutableArray<DiagnosticAnalyzer> analyzers, Func<CSharpCompilationOptions, CSharpCompilationOptions>? configure = null)
    {
        var references = await TestReferences.Net100.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        if (referenceRuntime)
        {
            references = references.Add(TestReferences.TenantContextAssembly);
        }

        var compilation = CSharpCompilation.Create(
            "Library",
            [
                CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), "Library.cs"),
                CSharpSyntaxTree.ParseText(TestReferences.FakeEntityFramework, new CSharpParseOptions(LanguageVersion.Preview), "EntityFramework.cs"),
            ],
            references,
            (configure ?? (o => o))(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join(Environment.NewLine, errors.Select(e => e.ToString())));

        var options = new AnalyzerOptions([new ListFile("/src/TenantSingletons.txt", SingletonList)]);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            options, onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
        var diagnostics = await withAnalyzers.GetAllDiagnosticsAsync();
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return withAnalyzers;
    }

    private sealed class ListFile(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
