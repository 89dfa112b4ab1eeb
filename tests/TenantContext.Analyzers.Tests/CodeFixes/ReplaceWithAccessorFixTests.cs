using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.TenantSingletonAnalyzer, Tenancy.Analyzers.CodeFixes.ReplaceWithAccessorFix>;

namespace Tenancy.Analyzers.Tests.CodeFixes;

public class ReplaceWithAccessorFixTests
{
    private const string Legacy = """
        namespace Legacy
        {
            public class Store { }
            public static class Globals
            {
                [Tenancy.TenantSingleton(Use = "Wiki.Storage")] public static object Storage = new();
                [Tenancy.TenantSingleton] public static object Cache = new();
                public static object Listed = new();
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
}
