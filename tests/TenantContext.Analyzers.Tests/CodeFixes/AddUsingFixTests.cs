using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.ScopeDisposalAnalyzer, Tenancy.Analyzers.CodeFixes.AddUsingFix>;

namespace Tenancy.Analyzers.Tests.CodeFixes;

public class AddUsingFixTests
{
    [Fact]
    public Task Local_declaration_becomes_using_declaration() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M()
            {
                var s = {|TC1003:TenantContext.Enter("acme")|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var s = TenantContext.Enter("acme");
            }
        }
        """);

    [Fact]
    public Task Discarded_Enter_becomes_using_declaration_named_scope() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M()
            {
                {|TC1003:TenantContext.Enter("acme")|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var scope = TenantContext.Enter("acme");
            }
        }
        """);

    [Fact]
    public Task Scope_name_avoids_a_taken_name() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M(int scope)
            {
                {|TC1003:TenantContext.Enter("acme")|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M(int scope)
            {
                using var scope2 = TenantContext.Enter("acme");
            }
        }
        """);

    [Fact]
    public Task Fix_all_disposes_every_scope_in_the_document() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void A()
            {
                var s = {|TC1003:TenantContext.Enter("a")|};
            }

            void B()
            {
                {|TC1003:Wiki.Enter("b")|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void A()
            {
                using var s = TenantContext.Enter("a");
            }

            void B()
            {
                using var scope = Wiki.Enter("b");
            }
        }
        """);
}
