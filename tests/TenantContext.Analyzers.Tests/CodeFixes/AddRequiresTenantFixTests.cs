using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.TenantOperationsAnalyzer, Tenancy.Analyzers.CodeFixes.AddRequiresTenantFix>;

namespace Tenancy.Analyzers.Tests.CodeFixes;

public class AddRequiresTenantFixTests
{
    [Fact]
    public Task Marks_the_enclosing_method() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object M() => {|TC1001:Wiki.Db|};
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object M() => Wiki.Db;
        }
        """);

    [Fact]
    public Task Adds_the_Tenancy_using_when_missing_and_safe() => Verify.VerifyFixAsync("""
        class C
        {
            object M() => {|TC1001:Tenancy.TenantContext.GetDb()|};
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object M() => Tenancy.TenantContext.GetDb();
        }
        """);

    [Fact]
    public Task Marks_the_property_of_an_accessor() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object P
            {
                get { return {|TC1001:Wiki.Storage|}; }
            }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object P
            {
                get { return Wiki.Storage; }
            }
        }
        """);

    [Fact]
    public Task Marks_the_lambda_not_its_enclosing_method() => Verify.VerifyFixAsync("""
        using System;
        using Tenancy;

        class C
        {
            Func<object> M() => () => {|TC1001:Wiki.Db|};
        }
        """, """
        using System;
        using Tenancy;

        class C
        {
            Func<object> M() => [RequiresTenant] () => Wiki.Db;
        }
        """);

    [Fact]
    public Task Two_uses_in_one_method_get_one_attribute() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M()
            {
                var a = {|TC1001:Wiki.Db|};
                var b = {|TC1001:Wiki.Storage|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            void M()
            {
                var a = Wiki.Db;
                var b = Wiki.Storage;
            }
        }
        """);

    [Fact]
    public Task Fix_all_marks_every_method_in_the_document() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object A() => {|TC1001:Wiki.Db|};

            object B() => {|TC1001:TenantContext.GetStorage()|};

            C() { _ = {|TC1001:TenantContext.Current|}; }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object A() => Wiki.Db;

            [RequiresTenant]
            object B() => TenantContext.GetStorage();

            [RequiresTenant]
            C() { _ = TenantContext.Current; }
        }
        """);

    [Fact]
    public Task No_fix_is_offered_for_a_field_initializer() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object _db = {|TC1001:Wiki.Db|};
        }
        """, """
        using Tenancy;

        class C
        {
            object _db = {|TC1001:Wiki.Db|};
        }
        """);

    [Fact]
    public Task A_simple_lambda_gets_the_parentheses_an_attribute_needs() => Verify.VerifyFixAsync("""
        using System;
        using System.Linq;
        using Tenancy;

        class C
        {
            object M(string[] names) => names.Select(n => {|TC1001:Wiki.Storage|}.GetPath(n)).ToList();
        }
        """, """
        using System;
        using System.Linq;
        using Tenancy;

        class C
        {
            object M(string[] names) => names.Select([RequiresTenant] (n) => Wiki.Storage.GetPath(n)).ToList();
        }
        """);

    [Fact]
    public Task An_async_static_lambda_keeps_its_modifiers_after_the_attribute() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using Tenancy;

        class C
        {
            Func<Task<object>> M() => static async () => { await Task.Yield(); return {|TC1001:Wiki.Db|}; };
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using Tenancy;

        class C
        {
            Func<Task<object>> M() => [RequiresTenant] static async () => { await Task.Yield(); return Wiki.Db; };
        }
        """);

    [Fact]
    public Task Marks_the_lambda_of_a_field_initializer() => Verify.VerifyFixAsync("""
        using System;
        using Tenancy;

        class C
        {
            static readonly Func<object> s_db = () => {|TC1001:Wiki.Db|};
        }
        """, """
        using System;
        using Tenancy;

        class C
        {
            static readonly Func<object> s_db = [RequiresTenant] () => Wiki.Db;
        }
        """);

    [Fact]
    public Task Marks_the_local_function_then_its_caller_for_the_call()
    {
        // The marked local function obliges its caller in turn: a second pass marks the method.
        var test = Verify.CreateTest("""
        using Tenancy;

        class C
        {
            object M()
            {
                return Read();

                object Read() => {|TC1001:Wiki.Db|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object M()
            {
                return Read();

                [RequiresTenant]
                object Read() => Wiki.Db;
            }
        }
        """, []);
        test.NumberOfIncrementalIterations = 2;
        test.NumberOfFixAllIterations = 2;
        return test.RunAsync();
    }

    [Fact]
    public Task No_fix_in_an_override_of_a_member_that_does_not_require_a_tenant() => Verify.VerifyFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using Tenancy;

        abstract class BackgroundService { protected abstract Task ExecuteAsync(CancellationToken stoppingToken); }

        class Worker : BackgroundService
        {
            protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.FromResult({|TC1001:Wiki.Db|});
        }
        """, """
        using System.Threading;
        using System.Threading.Tasks;
        using Tenancy;

        abstract class BackgroundService { protected abstract Task ExecuteAsync(CancellationToken stoppingToken); }

        class Worker : BackgroundService
        {
            protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.FromResult({|TC1001:Wiki.Db|});
        }
        """);

    [Fact]
    public Task No_fix_in_an_interface_implementation() => Verify.VerifyFixAsync("""
        using Tenancy;

        interface IRequestHandler { object Handle(string request); }

        class Handler : IRequestHandler
        {
            public object Handle(string request) => {|TC1001:Wiki.Storage|}.GetPath(request);
        }
        """, """
        using Tenancy;

        interface IRequestHandler { object Handle(string request); }

        class Handler : IRequestHandler
        {
            public object Handle(string request) => {|TC1001:Wiki.Storage|}.GetPath(request);
        }
        """);

    [Fact]
    public Task No_fix_in_a_static_constructor() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            static C() { _ = {|TC1001:Wiki.Db|}; }
        }
        """, """
        using Tenancy;

        class C
        {
            static C() { _ = {|TC1001:Wiki.Db|}; }
        }
        """);

    [Fact]
    public Task No_fix_for_a_property_initializer() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object Db { get; } = {|TC1001:Wiki.Db|};
        }
        """, """
        using Tenancy;

        class C
        {
            object Db { get; } = {|TC1001:Wiki.Db|};
        }
        """);

    [Fact]
    public Task Writes_the_full_name_where_the_import_would_make_a_name_ambiguous() => Verify.VerifyFixAsync("""
        using Other;

        class C
        {
            TenantInfo M() => new({|TC1001:Tenancy.TenantContext.Current|}.Slug);
        }

        namespace Other { public sealed record TenantInfo(string Slug); }
        """, """
        using Other;

        class C
        {
            [global::Tenancy.RequiresTenant]
            TenantInfo M() => new(Tenancy.TenantContext.Current.Slug);
        }

        namespace Other { public sealed record TenantInfo(string Slug); }
        """);

    [Fact]
    public Task No_fix_in_top_level_statements()
    {
        const string program = """
            using Tenancy;

            System.Console.WriteLine({|TC1001:Wiki.Db|});
            """;
        var test = Verify.CreateTest(program, program, []);
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.FixedState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        return test.RunAsync();
    }

    [Fact]
    public Task No_fix_in_a_module_initializer() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            [System.Runtime.CompilerServices.ModuleInitializer]
            internal static void Init() { _ = {|TC1001:Wiki.Db|}; }
        }
        """, """
        using Tenancy;

        class C
        {
            [System.Runtime.CompilerServices.ModuleInitializer]
            internal static void Init() { _ = {|TC1001:Wiki.Db|}; }
        }
        """);
}
