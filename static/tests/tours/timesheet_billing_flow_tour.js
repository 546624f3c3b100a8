/**
 * The week of one employee, from the first hour logged to the printed invoice,
 * played by each user in turn (tests/test_tours.py sets the scene and checks
 * the records between the tours). Every tour starts where its user works.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const { DateTime } = luxon;

const tours = registry.category("web_tour.tours");

// The Friday of last week: the tests log Monday to Thursday, the employee
// logs Friday's call in the browser (dates in the user's format, en_US).
function lastFriday() {
    return DateTime.now().startOf("week").minus({ days: 3 }).toFormat("MM/dd/yyyy");
}

function openMenu(section, menuXmlid) {
    return [
        {
            content: `Open the ${section} menu`,
            trigger: `.o_menu_sections .dropdown-toggle:contains(${section})`,
            run: "click",
        },
        {
            content: `Open ${menuXmlid}`,
            trigger: `.dropdown-item[data-menu-xmlid='${menuXmlid}']`,
            run: "click",
        },
    ];
}

// The approval list without its default grouping, rows shown flat.
function flatApprovalList() {
    return [
        {
            content: "Show the timesheets to approve ungrouped",
            trigger: ".o_searchview_facet:contains(Employee) .o_facet_remove",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row",
        },
    ];
}

function approveSelection() {
    return [
        {
            content: "Approve the selected timesheets",
            trigger: ".o_control_panel button[name=action_approve]",
            run: "click",
        },
    ];
}

tours.add("hr_timesheet_billing_employee_week", {
    url: "/odoo/action-hr_timesheet.act_hr_timesheet_line",
    steps: () => [
        {
            content: "Log Friday's call",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=date] input",
            run: `edit ${lastFriday()}`,
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=project_id] input",
            run: "edit Tour Rollout",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Rollout)",
            run: "click",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=name] input",
            run: "edit Client call",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=unit_amount] input",
            run: "edit 2:00",
        },
        {
            content: "Save the line",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            trigger: ".o_data_row:not(.o_selected_row):contains(Client call)",
        },
        {
            content: "Submit the week: the employee's own menu entry",
            trigger: ".o_menu_sections [data-menu-xmlid='hr_timesheet_billing.timesheet_billing_submit_week_employee_menu']",
            run: "click",
        },
        {
            content: "Choose last week",
            trigger: ".modal .o_field_widget[name=day] input",
            run: `edit ${lastFriday()} && press Enter`,
        },
        {
            content: "Five draft timesheets, 26 hours",
            trigger: ".modal .o_field_widget[name=line_count]:contains(5)",
        },
        {
            trigger: ".modal .o_field_widget[name=hours]:contains(26:00)",
        },
        {
            content: "Submit the week",
            trigger: ".modal button[name=action_submit]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(5 timesheets submitted for approval)",
        },
    ],
});

tours.add("hr_timesheet_billing_lead_review", {
    url: "/odoo/action-hr_timesheet_billing.account_analytic_line_to_approve_action",
    steps: () => [
        ...flatApprovalList(),
        {
            content: "Select the call",
            trigger: ".o_data_row:contains(Client call) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Reject it",
            trigger: ".o_control_panel button:contains(Reject)",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Say what the call was about",
        },
        {
            trigger: ".modal button[name=action_reject]",
            run: "click",
        },
        {
            content: "The call is back with the employee",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Client call)))",
        },
        {
            content: "Select the rest of the week",
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        ...approveSelection(),
        {
            content: "Approved by the lead: on to Finance, nothing left for the lead",
            trigger: ".o_view_nocontent:contains(Nothing to approve)",
        },
    ],
});

tours.add("hr_timesheet_billing_employee_fix", {
    url: "/odoo/action-hr_timesheet.act_hr_timesheet_line",
    steps: () => [
        {
            content: "The call is back in draft, with the lead's reason",
            trigger:
                ".o_data_row:contains(Client call):contains(Draft) td[name=rejection_reason]:contains(Say what the call was about)",
        },
        {
            content: "Open the rejected call",
            trigger: ".o_data_row:contains(Client call) td[name=name]",
            run: "click",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=name] input",
            run: "edit Client call: scope of phase 2",
        },
        {
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Submit it again",
            trigger:
                ".o_data_row:not(.o_selected_row):contains(phase 2) .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_control_panel button[name=action_submit]",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains(phase 2):contains(Submitted)",
        },
    ],
});

tours.add("hr_timesheet_billing_lead_approve", {
    url: "/odoo/action-hr_timesheet_billing.account_analytic_line_to_approve_action",
    steps: () => [
        ...flatApprovalList(),
        {
            content: "Select the resubmitted call",
            trigger: ".o_data_row:contains(phase 2) .o_list_record_selector input",
            run: "click",
        },
        ...approveSelection(),
        {
            trigger: ".o_view_nocontent:contains(Nothing to approve)",
        },
    ],
});

tours.add("hr_timesheet_billing_finance_approve", {
    url: "/odoo/action-hr_timesheet_billing.account_analytic_line_to_approve_action",
    steps: () => [
        ...flatApprovalList(),
        {
            content: "The whole week, approved by its lead",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Submitted)))",
        },
        {
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        ...approveSelection(),
        {
            content: "Nothing left to approve",
            trigger: ".o_view_nocontent:contains(Nothing to approve)",
        },
    ],
});

tours.add("hr_timesheet_billing_accountant_invoice", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Invoicing",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        ...openMenu("Customers", "hr_timesheet_billing.timesheet_billing_invoice_menu"),
        {
            content: "Invoice the customer",
            trigger: ".modal .o_field_widget[name=partner_ids] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "Check the preview: one invoice, 26 hours",
            trigger:
                ".modal .o_field_widget[name=preview]:contains(1 draft invoice will be created)",
        },
        {
            trigger:
                ".modal .o_field_widget[name=preview] tr:contains(Tour Customer):contains(26):contains(2,600.00)",
        },
        {
            trigger: ".modal button[name=action_create_invoices]",
            run: "click",
        },
        {
            content: "The draft invoice",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Tour Customer)",
        },
        {
            content: "One line: 26 hours at 100.00",
            trigger:
                ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Billable Time):contains(26.00):contains(2,600.00)",
        },
        {
            trigger: ".o_field_widget[name=tax_totals]:contains(2,990.00)",
        },
        {
            content: "Post it",
            trigger: ".o_form_statusbar button[name=action_post]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Print it",
            trigger: ".o_form_statusbar button[name=action_print_pdf]",
            run: "click",
        },
        {
            content: "The printed invoice has the timesheet annex",
            trigger: ".o_form_statusbar button[name=action_print_pdf]:enabled",
            async run() {
                const invoiceId = window.location.pathname.split("/").at(-1);
                const response = await fetch(`/report/html/account.report_invoice/${invoiceId}`);
                const html = await response.text();
                for (const expected of ['id="timesheet_annex"', "Client call: scope of phase 2"]) {
                    if (!html.includes(expected)) {
                        throw new Error(`The printed invoice lacks ${expected}`);
                    }
                }
            },
        },
    ],
});
