using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.TenantOperationsAnalyzer, Tenancy.Analyzers.CodeFixes.AddUsingFix>;

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
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var s = TenantContext.Enter("acme");
                System.Console.WriteLine();
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
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var scope = TenantContext.Enter("acme");
                System.Console.WriteLine();
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
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M(int scope)
            {
                using var scope2 = TenantContext.Enter("acme");
                System.Console.WriteLine();
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
                System.Console.WriteLine();
            }

            void B()
            {
                {|TC1003:Wiki.Enter("b")|};
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void A()
            {
                using var s = TenantContext.Enter("a");
                System.Console.WriteLine();
            }

            void B()
            {
                using var scope = Wiki.Enter("b");
                System.Console.WriteLine();
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
                System.Console.WriteLine();
                {|TC1003:Wiki.Enter("b")|};
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var scope = TenantContext.Enter("a");
                System.Console.WriteLine();
                using var scope2 = Wiki.Enter("b");
                System.Console.WriteLine();
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
                System.Console.WriteLine();
                if (again)
                {
                    {|TC1003:TenantContext.Enter("b")|};
                    System.Console.WriteLine();
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
                System.Console.WriteLine();
                if (again)
                {
                    using var scope2 = TenantContext.Enter("b");
                    System.Console.WriteLine();
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
                System.Console.WriteLine();
                {|TC1003:TenantContext.Enter("b")|};
                System.Console.WriteLine();
            }

            void B()
            {
                {|TC1003:TenantContext.Enter("c")|};
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void A()
            {
                using var scope = TenantContext.Enter("a");
                System.Console.WriteLine();
                using var scope2 = TenantContext.Enter("b");
                System.Console.WriteLine();
            }

            void B()
            {
                using var scope = TenantContext.Enter("c");
                System.Console.WriteLine();
            }
        }
        """);

    private static Task VerifyNoFix(string source) => Verify.VerifyFixAsync(source, source);

    [Fact]
    public Task Discard_assignment_becomes_using_declaration() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M()
            {
                _ = {|TC1003:TenantContext.Enter("acme")|};
                System.Console.WriteLine();
            }
        }
        """, """
        using Tenancy;

        class C
        {
            void M()
            {
                using var scope = TenantContext.Enter("acme");
                System.Console.WriteLine();
            }
        }
        """);

    [Fact]
    public Task The_new_name_avoids_a_local_declared_later_in_a_nested_block_and_a_lambda_parameter() => Verify.VerifyFixAsync("""
        using System;
        using Tenancy;

        class C
        {
            void M()
            {
                {|TC1003:TenantContext.Enter("acme")|};
                {
                    var scope = 1;
                    Console.WriteLine(scope);
                }

                Func<int, int> f = scope2 => scope2;
            }
        }
        """, """
        using System;
        using Tenancy;

        class C
        {
            void M()
            {
                using var scope3 = TenantContext.Enter("acme");
                {
                    var scope = 1;
                    Console.WriteLine(scope);
                }

                Func<int, int> f = scope2 => scope2;
            }
        }
        """);

    [Fact]
    public Task The_new_name_avoids_a_field_read_later() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            int scope = 1;

            void M()
            {
                {|TC1003:TenantContext.Enter("acme")|};
                System.Console.WriteLine(scope);
            }
        }
        """, """
        using Tenancy;

        class C
        {
            int scope = 1;

            void M()
            {
                using var scope2 = TenantContext.Enter("acme");
                System.Console.WriteLine(scope);
            }
        }
        """);

    [Fact]
    public Task No_fix_when_nothing_follows_the_scope_in_its_block() => VerifyNoFix("""
        using Tenancy;

        class C
        {
            void EnterForTheCaller()
            {
                {|TC1003:TenantContext.Enter("acme")|};
            }
        }
        """);

    [Fact]
    public Task No_fix_when_later_code_outside_the_block_relies_on_the_scope() => VerifyNoFix("""
        using Tenancy;

        class C
        {
            void M(bool b)
            {
                if (b)
                {
                    {|TC1003:TenantContext.Enter("acme")|};
                    System.Console.WriteLine(b);
                }

                System.Console.WriteLine(TenantContext.IsActive);
            }
        }
        """);

    [Fact]
    public Task No_fix_for_a_local_reassigned_later() => VerifyNoFix("""
        using Tenancy;

        class C
        {
            void M()
            {
                var s = {|TC1003:TenantContext.Enter("a")|};
                System.Console.WriteLine(TenantContext.IsActive);
                s = {|TC1003:TenantContext.Enter("b")|};
                System.Console.WriteLine(TenantContext.IsActive);
            }
        }
        """);

    [Fact]
    public Task No_fix_for_a_local_whose_declared_type_is_not_disposable() => VerifyNoFix("""
        using Tenancy;

        class C
        {
            void M()
            {
                object s = {|TC1003:TenantContext.Enter("a")|};
                System.Console.WriteLine(s.GetHashCode());
            }
        }
        """);

    [Fact]
    public Task No_fix_in_a_block_with_a_label_a_goto_could_jump_back_to() => VerifyNoFix("""
        using Tenancy;

        class C
        {
            void M(int n)
            {
                {|TC1003:TenantContext.Enter("a")|};
            again:
                n--;
                if (n > 0)
                {
                    goto again;
                }
            }
        }
        """);

    [Fact]
    public Task A_top_level_statement_becomes_a_using_declaration()
    {
        var test = Verify.CreateTest("""
            using Tenancy;

            {|TC1003:TenantContext.Enter("main")|};
            System.Console.WriteLine(TenantContext.Current.Slug);
            """, """
            using Tenancy;

            using var scope = TenantContext.Enter("main");
            System.Console.WriteLine(TenantContext.Current.Slug);
            """, []);
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.FixedState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        return test.RunAsync();
    }
}
