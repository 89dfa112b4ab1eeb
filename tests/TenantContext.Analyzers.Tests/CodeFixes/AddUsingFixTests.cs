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

    [Fact]
    public Task Fix_all_gives_two_discarded_scopes_in_one_block_different_names() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M()
            {
                {|TC1003:TenantContext.Enter("a")|};
                {|TC1003:Wiki.Enter("b")|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var scope = TenantContext.Enter("a");
                using var scope2 = Wiki.Enter("b");
            }
        }
        """);

    [Fact]
    public Task Fix_all_does_not_repeat_a_name_in_a_nested_block() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M(bool again)
            {
                {|TC1003:TenantContext.Enter("a")|};
                if (again)
                {
                    {|TC1003:TenantContext.Enter("b")|};
                }
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M(bool again)
            {
                using var scope = TenantContext.Enter("a");
                if (again)
                {
                    using var scope2 = TenantContext.Enter("b");
                }
            }
        }
        """);

    [Fact]
    public Task Fix_all_reuses_the_name_in_another_member() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void A()
            {
                {|TC1003:TenantContext.Enter("a")|};
                {|TC1003:TenantContext.Enter("b")|};
            }

            void B()
            {
                {|TC1003:TenantContext.Enter("c")|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void A()
            {
                using var scope = TenantContext.Enter("a");
                using var scope2 = TenantContext.Enter("b");
            }

            void B()
            {
                using var scope = TenantContext.Enter("c");
            }
        }
        """);
}
