using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.TenantOperationsAnalyzer, Tenancy.Analyzers.CodeFixes.ReplaceWithAccessorFix>;

namespace Tenancy.Analyzers.Tests.CodeFixes;

public class ReplaceWithAccessorFixTests
{
    private const string Legacy = """
        namespace Legacy
        {
            public class Store { }
            public static class Globals
            {
                [Tenancy.TenantSingleton(Use = "Wiki.Storage")] public static Tenancy.ITenantStorage Storage = null!;
                [Tenancy.TenantSingleton(Use = "Wiki.Storage")] public static object Untyped = new();
                [Tenancy.TenantSingleton] public static object Cache = new();
                public static Tenancy.ITenantDatabase Listed = null!;
            }

            public sealed class Holder
            {
                [Tenancy.TenantSingleton(Use = "Wiki.Storage")] public Tenancy.ITenantStorage Storage { get; set; } = null!;
                public static Holder Create() => new();
            }
        }
        """;

    [Fact]
    public Task Replaces_a_marked_field_with_its_accessor() => Verify.VerifyFixAsync("""
        class C
        {
            object M() => {|TC1002:Legacy.Globals.Storage|};
        }
        """ + "\n" + Legacy, """
        class C
        {
            object M() => Wiki.Storage;
        }
        """ + "\n" + Legacy);

    [Fact]
    public Task Replaces_a_listed_field_with_the_listed_accessor() => Verify.VerifyFixAsync("""
        class C
        {
            object M() => {|TC1002:Legacy.Globals.Listed|};
        }
        """ + "\n" + Legacy, """
        class C
        {
            object M() => Wiki.Db;
        }
        """ + "\n" + Legacy, ("TenantSingletons.txt", "F:Legacy.Globals.Listed;global::Wiki.Db"));

    [Fact]
    public Task No_fix_without_a_replacement() => Verify.VerifyFixAsync("""
        class C
        {
            object M() => {|TC1002:Legacy.Globals.Cache|};
        }
        """ + "\n" + Legacy, """
        class C
        {
            object M() => {|TC1002:Legacy.Globals.Cache|};
        }
        """ + "\n" + Legacy);

    [Fact]
    public Task Fix_all_replaces_every_use() => Verify.VerifyFixAsync("""
        class C
        {
            object A() => {|TC1002:Legacy.Globals.Storage|};
            object B() => {|TC1002:Legacy.Globals.Storage|}.ToString()!;
        }
        """ + "\n" + Legacy, """
        class C
        {
            object A() => Wiki.Storage;
            object B() => Wiki.Storage.ToString()!;
        }
        """ + "\n" + Legacy);

    private static Task VerifyNoFix(string source) => Verify.VerifyFixAsync(source + "\n" + Legacy, source + "\n" + Legacy);

    [Fact]
    public Task No_fix_for_the_target_of_an_assignment() => VerifyNoFix("""
        class C
        {
            void M(Tenancy.ITenantStorage storage) => {|TC1002:Legacy.Globals.Storage|} = storage;
        }
        """);

    [Fact]
    public Task No_fix_for_a_ref_argument() => VerifyNoFix("""
        class C
        {
            void M() => Keep(ref {|TC1002:Legacy.Globals.Storage|});
            static void Keep(ref Tenancy.ITenantStorage storage) { }
        }
        """);

    [Fact]
    public Task No_fix_when_the_accessor_has_another_type() => VerifyNoFix("""
        class C
        {
            object M() => {|TC1002:Legacy.Globals.Untyped|};
        }
        """);

    [Fact]
    public Task No_fix_when_replacing_would_drop_a_call() => VerifyNoFix("""
        class C
        {
            object M() => {|TC1002:Legacy.Holder.Create().Storage|};
        }
        """);

    [Fact]
    public Task Replaces_the_receiver_of_a_conditional_access() => Verify.VerifyFixAsync("""
        class C
        {
            bool? M() => {|TC1002:Legacy.Globals.Storage|}?.Exists("home");
        }
        """ + "\n" + Legacy, """
        class C
        {
            bool? M() => Wiki.Storage?.Exists("home");
        }
        """ + "\n" + Legacy);
}
