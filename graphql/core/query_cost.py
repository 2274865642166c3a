"""Measure a GraphQL document before it runs: size, depth, aliases, pages and cost.

Pure functions over graphql-core's AST and the schema's types: no database, no
resolver. They run before validation, whose cost they bound (graphql-core compares
every pair of fields that answer under the same name, so a document repeating one
field 2,000 times took seconds to validate), so they accept documents validation
would refuse: unknown fields and fragments count as leaves, a fragment that spreads
itself counts once.

The cost of an operation counts the fields it may resolve:

- every field costs 1 (``__typename`` nothing: no resolver answers it);
- what is selected inside a field that returns a list costs as many times as the
  list may hold items: its ``first`` or ``last`` argument (or that argument's
  default; `limits.MAX_PAGE_SIZE` when a paginated field is given neither), else the
  length of its longest list argument (``_entities(representations: [...])``) when
  that is more than ``list_size``, else ``list_size``;
- a connection's ``edges`` are the page already counted, and introspection
  (``__schema``, ``__type``) describes the schema, whatever the client asks: their
  lists count once.

So ``{ products(first: 20) { edges { node { name variants { sku } } } } }`` costs
1 + 20 × (1 + 1 + 1 + (1 + 2 × 1)) = 121 with the default ``list_size`` of 2.
"""

from dataclasses import dataclass
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from graphql.language import ast
from graphql.type import GraphQLList, GraphQLNonNull
from graphql.type.definition import get_named_type
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.utils.get_operation_ast import get_operation_ast

from saleor_o2o.core.limits import MAX_PAGE_SIZE

#: Arguments that set how many items a list returns.
PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class DocumentSize:
    """What a parsed document holds, whichever operation runs."""

    #: AST nodes (fields, arguments, values, names...).
    nodes: int
    #: Fields, fragment spreads and inline fragments, as written.
    selections: int


@dataclass(frozen=True)
class Page:
    """The largest page an operation asks for, and where."""

    size: int
    argument: str
    field: str


@dataclass(frozen=True)
class OperationMeasure:
    """What one operation of a document asks for."""

    #: Fields nested in one another, fragments expanded.
    depth: int
    #: Aliased fields, fragments expanded.
    aliases: int
    cost: int
    #: The largest `first`/`last` given (None when the operation gives none).
    largest_page: Optional[Page]
    #: Whether ``cost`` or ``largest_page`` read a variable: measure again with
    #: the request's variables.
    reads_variables: bool


def _children(node: ast.Node) -> Iterator[ast.Node]:
    for name in node.__slots__:
        if name == "loc":
            continue
        value = getattr(node, name, None)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, ast.Node))


def document_size(document: ast.Document) -> DocumentSize:
    """Count the document's nodes and selections (iteratively: any depth)."""
    nodes = selections = 0
    stack: List[ast.Node] = [document]
    while stack:
        node = stack.pop()
        nodes += 1
        if isinstance(node, (ast.Field, ast.FragmentSpread, ast.InlineFragment)):
            selections += 1
        stack.extend(_children(node))
    return DocumentSize(nodes=nodes, selections=selections)


def _unwrapped(type_):
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


class _Walk:
    """One walk over an operation with given variables; fragments measured once."""

    def __init__(
        self,
        schema,
        document: ast.Document,
        operation: ast.OperationDefinition,
        variables: Optional[Mapping],
        list_size: int,
    ) -> None:
        self.schema = schema
        self.variables = variables if isinstance(variables, Mapping) else {}
        self.list_size = list_size
        self.fragments: Dict[str, ast.FragmentDefinition] = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, ast.FragmentDefinition)
        }
        self.variable_defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        self.largest_page: Optional[Page] = None
        self.reads_variables = False
        self._measured: Dict[str, Tuple[int, int, int]] = {}
        self._measuring: set = set()

    # Depth, aliases and cost of a selection set, a field, a fragment.

    def selection_set(self, selection_set, parent_type) -> Tuple[int, int, int]:
        depth = aliases = cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, ast.Field):
                measure = self.field(selection, parent_type)
            elif isinstance(selection, ast.FragmentSpread):
                measure = self.fragment(selection.name.value)
            else:
                measure = self.selection_set(
                    selection.selection_set,
                    self.type_named(selection.type_condition) or parent_type,
                )
            depth = max(depth, measure[0])
            aliases += measure[1]
            cost += measure[2]
        return depth, aliases, cost

    def field(self, node: ast.Field, parent_type) -> Tuple[int, int, int]:
        alias = 1 if node.alias is not None else 0
        if node.name.value == "__typename":
            return 1, alias, 0  # Answered from the type, by no resolver.
        definition = self.field_definition(parent_type, node.name.value)
        items = self.items(node, definition, parent_type)  # Notes pages of leaves too.
        if node.selection_set is None:
            return 1, alias, 1
        inner_type = get_named_type(definition.type) if definition else None
        depth, aliases, cost = self.selection_set(node.selection_set, inner_type)
        return depth + 1, alias + aliases, 1 + items * cost

    def fragment(self, name: str) -> Tuple[int, int, int]:
        if name in self._measured:
            return self._measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._measuring:
            return 0, 0, 0  # Unknown, or spreads itself: validation refuses it.
        self._measuring.add(name)
        measure = self.selection_set(
            definition.selection_set, self.type_named(definition.type_condition)
        )
        self._measuring.discard(name)
        self._measured[name] = measure
        return measure

    # The schema's view.

    def type_named(self, named_type: Optional[ast.NamedType]):
        if named_type is None:
            return None
        return self.schema.get_type(named_type.name.value)

    @staticmethod
    def field_definition(parent_type, name: str):
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent_type, "fields", None)
        return fields.get(name) if fields else None

    def items(self, node: ast.Field, definition, parent_type) -> int:
        """Return how many times what is selected inside ``node`` may be resolved."""
        if definition is None:
            return 1
        arguments = {argument.name.value: argument.value for argument in node.arguments}
        paginated = False
        size: Optional[int] = None
        for name in PAGE_ARGUMENTS:
            if name not in definition.args:
                continue
            paginated = True
            if name in arguments:
                value = self.int_value(arguments[name])
            else:
                value = definition.args[name].default_value
            if isinstance(value, int) and not isinstance(value, bool):
                self.note_page(value, name, node.name.value)
                size = max(size or 0, value, 0)
        if size is not None:
            return size
        if paginated:
            return MAX_PAGE_SIZE
        if not isinstance(_unwrapped(definition.type), GraphQLList):
            return 1
        if node.name.value == "edges" and "pageInfo" in getattr(
            parent_type, "fields", {}
        ):
            return 1
        if getattr(parent_type, "name", "").startswith("__"):
            return 1
        lengths = [self.list_length(value) for value in arguments.values()]
        return max([self.list_size, *lengths])

    def note_page(self, size: int, argument: str, field: str) -> None:
        if self.largest_page is None or size > self.largest_page.size:
            self.largest_page = Page(size=size, argument=argument, field=field)

    def variable(self, node: ast.Variable):
        self.reads_variables = True
        name = node.name.value
        if name in self.variables:
            return self.variables[name]
        default = self.variable_defaults.get(name)
        return self.literal(default) if default is not None else None

    @staticmethod
    def literal(node: ast.Value):
        if isinstance(node, ast.IntValue):
            return int(node.value)
        if isinstance(node, ast.ListValue):
            return node.values
        return None

    def value(self, node: ast.Value):
        if isinstance(node, ast.Variable):
            return self.variable(node)
        return self.literal(node)

    def int_value(self, node: ast.Value) -> Optional[int]:
        value = self.value(node)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def list_length(self, node: ast.Value) -> int:
        value = self.value(node)
        return len(value) if isinstance(value, list) else 0


def _root_type(schema, operation: ast.OperationDefinition):
    if operation.operation == "mutation":
        return schema.get_mutation_type()
    if operation.operation == "subscription":
        return schema.get_subscription_type()
    return schema.get_query_type()


def measure_operation(
    schema,
    document: ast.Document,
    operation_name: Optional[str],
    *,
    variables: Optional[Mapping] = None,
    list_size: int,
) -> Optional[OperationMeasure]:
    """Measure the operation that would run; None when none would (graphql-core
    then refuses the request: no operation of that name, or several unnamed).

    Deeply nested documents raise `RecursionError`: the caller refuses them.
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    walk = _Walk(schema, document, operation, variables, list_size)
    depth, aliases, cost = walk.selection_set(
        operation.selection_set, _root_type(schema, operation)
    )
    return OperationMeasure(
        depth=depth,
        aliases=aliases,
        cost=cost,
        largest_page=walk.largest_page,
        reads_variables=walk.reads_variables,
    )
